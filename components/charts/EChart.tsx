'use client';
/**
 * The only runtime importer of echarts (ARCHITECTURE). Renders an option on canvas, resizes with
 * its box, and exposes PNG/SVG export through `onExporter`. echarts is loaded lazily so the
 * first paint does not wait for it.
 */
import { useEffect, useRef } from 'react';
import type { ECharts, EChartsOption } from 'echarts';

export interface ChartExporter {
  /** PNG as a data: URL at 2× pixel ratio, on the card's background colour. */
  png(background: string): string;
  /** SVG text, rendered by a throwaway SVG-renderer instance of the same option and size. */
  svg(): Promise<string>;
}

export interface EChartProps {
  option: EChartsOption;
  heightPx?: number;
  ariaLabel: string;
  onExporter?: (exporter: ChartExporter | null) => void;
  /** Fired after the first frame with this option is drawn. */
  onRendered?: () => void;
}

type EChartsCore = typeof import('echarts/core');
type EChartsInstaller = Parameters<EChartsCore['use']>[0];
let echartsPromise: Promise<EChartsCore> | null = null;
let coldStart = true;

/**
 * echarts is evaluated one piece per macrotask, each piece's fetch and evaluation timed as a User
 * Timing measure ("echart load <piece>"). Loaded as one module graph (echarts/core plus the series and components
 * below) its evaluation was one main-thread task of 260–310 ms on a 2-core machine whose cores the
 * engine workers were using; a piece is a fraction of that, and the page's other work runs between
 * them. The series and components are echarts' own per-feature modules, which register themselves
 * on import (echarts' package.json lists them as side effects): the barrels (echarts/charts,
 * echarts/components) would bring every series type. A series type or component missing here does
 * not render — add it to this list.
 */
const ECHARTS_PIECES: ReadonlyArray<readonly [piece: string, load: () => Promise<unknown>]> = [
  // zrender's shapes and echarts' graphic helpers: the largest part of the core's graph.
  ['graphic', () => import('echarts/lib/util/graphic.js')],
  ['core', () => import('echarts/core')],
  ['canvas renderer', () => import('echarts/lib/renderer/installCanvasRenderer.js').then(({ install }) => installInCore(install))],
  ['grid', () => import('echarts/lib/component/grid')],
  ['line', () => import('echarts/lib/chart/line')],
  ['bar', () => import('echarts/lib/chart/bar')],
  ['scatter', () => import('echarts/lib/chart/scatter')],
  ['heatmap', () => import('echarts/lib/chart/heatmap')],
  ['custom', () => import('echarts/lib/chart/custom')],
  ['tooltip', () => import('echarts/lib/component/tooltip')],
  ['axis pointer', () => import('echarts/lib/component/axisPointer')],
  ['legend', () => import('echarts/lib/component/legend')],
  ['marks', () => Promise.all([import('echarts/lib/component/markLine'), import('echarts/lib/component/markArea'), import('echarts/lib/component/markPoint')])],
  ['visual map', () => import('echarts/lib/component/visualMap')],
  ['data zoom', () => import('echarts/lib/component/dataZoom')],
  ['dataset', () => import('echarts/lib/component/dataset')],
  ['graphic component', () => import('echarts/lib/component/graphic')],
  ['title', () => import('echarts/lib/component/title')],
  ['aria', () => import('echarts/lib/component/aria')],
];

async function installInCore(install: EChartsInstaller): Promise<void> {
  (await import('echarts/core')).use(install);
}

const nextMacrotask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

function loadEcharts(): Promise<EChartsCore> {
  echartsPromise ??= (async () => {
    for (const [piece, load] of ECHARTS_PIECES) {
      await nextMacrotask();
      const startMs = performance.now();
      await load();
      performance.measure(`echart load ${piece}`, { start: startMs, end: performance.now() });
    }
    return import('echarts/core');
  })();
  return echartsPromise;
}

/** The SVG renderer is only needed for an SVG download: loaded then, not with the page. */
async function loadSvgRenderer(echarts: EChartsCore): Promise<void> {
  echarts.use((await import('echarts/lib/renderer/installSVGRenderer.js')).install);
}

/**
 * Chart work (init, setOption, resize) runs one job per macrotask, and setOption is lazy (the
 * model update here, layout and paint in echarts' next animation frame): a chart's first render costs
 * tens of ms on a loaded 2-core machine, and a page of charts receiving data or a theme in the same
 * React commit would otherwise add up to one main-thread task of several hundred ms.
 */
const chartJobs: Array<{ name: string; run: () => void; paints: boolean }> = [];
let draining = false;

/**
 * `name` labels the job's User Timing measure ("echart <aria label> <step>"), so a slow chart shows
 * in traces and e2e logs. A job that `paints` (lazy setOption, resize) is followed by a frame before
 * the next job, so two charts' layout and paint never share one frame.
 */
function scheduleChartJob(name: string, run: () => void, paints = false): void {
  chartJobs.push({ name, run, paints });
  if (!draining) {
    draining = true;
    setTimeout(runNextChartJob, 0);
  }
}

function runNextChartJob(): void {
  const job = chartJobs.shift();
  const startMs = performance.now();
  try {
    job?.run();
  } finally {
    if (job) performance.measure(`echart ${job.name}`, { start: startMs, end: performance.now() });
    if (chartJobs.length) {
      if (job?.paints) requestAnimationFrame(() => setTimeout(runNextChartJob, 0));
      else setTimeout(runNextChartJob, 0);
    } else draining = false;
  }
}

export function EChart({ option, heightPx = 260, ariaLabel, onExporter, onRendered }: EChartProps) {
  const boxRef = useRef<HTMLDivElement>(null);
  const chartRef = useRef<ECharts | null>(null);
  // Latest props for the chart's async callbacks (init, export, resize), updated after each render:
  // refs are not written while rendering. Declared first, so it runs before the effects below.
  const optionRef = useRef(option);
  const renderedRef = useRef(onRendered);
  const labelRef = useRef(ariaLabel);
  const exporterRef = useRef(onExporter);
  useEffect(() => {
    optionRef.current = option;
    renderedRef.current = onRendered;
    labelRef.current = ariaLabel;
    exporterRef.current = onExporter;
  });

  useEffect(() => {
    let disposed = false;
    let observer: ResizeObserver | null = null;
    void loadEcharts().then((echarts) =>
      scheduleChartJob(`${labelRef.current} init`, () => {
        if (disposed || !boxRef.current) return;
        const box = boxRef.current;
        const chart = echarts.init(box, null, { renderer: 'canvas' });
        chartRef.current = chart;
        let optionSet = false; // the cold frame's 'finished' is not the option's
        chart.on('finished', () => {
          if (optionSet) renderedRef.current?.();
        });
        // echarts reports each frame's render time; slow ones become measures beside the jobs'.
        chart.on('rendered', (e) => {
          const elapsedMs = (e as { elapsedTime?: number }).elapsedTime ?? 0;
          if (elapsedMs > 20) performance.measure(`echart ${labelRef.current} frame`, { start: performance.now() - elapsedMs, end: performance.now() });
        });
        // The page's first chart runs echarts' layout and paint code cold (200+ ms in one frame on a
        // loaded 2-core machine): it draws its frame (axes, legend, marks) one frame before its series.
        if (coldStart) {
          coldStart = false;
          scheduleChartJob(
            `${labelRef.current} cold frame`,
            () => {
              if (!disposed) chart.setOption({ ...optionRef.current, series: [] } as EChartsOption, { notMerge: true, lazyUpdate: true });
            },
            true,
          );
        }
        scheduleChartJob(
          `${labelRef.current} first option`,
          () => {
            if (disposed) return;
            optionSet = true;
            chart.setOption(optionRef.current, { notMerge: true, lazyUpdate: true });
          },
          true,
        );
        // The observer's first callback reports the size init already used; only real changes re-layout.
        observer = new ResizeObserver(() => {
          if (box.clientWidth !== chart.getWidth() || box.clientHeight !== chart.getHeight())
            scheduleChartJob(
              `${labelRef.current} resize`,
              () => {
                if (!disposed) chart.resize();
              },
              true,
            );
        });
        observer.observe(box);
        exporterRef.current?.({
          png: (background) => chart.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: background }),
          svg: async () => {
            await loadSvgRenderer(echarts);
            const width = chart.getWidth();
            const height = chart.getHeight();
            const ssr = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
            ssr.setOption({ ...optionRef.current, animation: false } as EChartsOption);
            const text = ssr.renderToSVGString();
            ssr.dispose();
            return text;
          },
        });
      }),
    );
    return () => {
      disposed = true;
      observer?.disconnect();
      chartRef.current?.dispose();
      chartRef.current = null;
      exporterRef.current?.(null);
    };
    // The chart instance lives as long as the component; options are pushed by the effect below.
  }, []);

  useEffect(() => {
    const chart = chartRef.current;
    if (chart) {
      scheduleChartJob(
        `${labelRef.current} option`,
        () => {
          if (!chart.isDisposed()) chart.setOption(option, { notMerge: true, lazyUpdate: true });
        },
        true,
      );
    }
  }, [option]);

  return <div ref={boxRef} role="img" aria-label={ariaLabel} style={{ height: heightPx, width: '100%' }} />;
}

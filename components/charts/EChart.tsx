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

export function EChart({ option, heightPx = 260, ariaLabel, onExporter, onRendered }: EChartProps) {
  const boxRef = useRef<HTMLDivElement>(null);
  const chartRef = useRef<ECharts | null>(null);
  const optionRef = useRef(option);
  optionRef.current = option;
  const renderedRef = useRef(onRendered);
  renderedRef.current = onRendered;

  useEffect(() => {
    let disposed = false;
    let observer: ResizeObserver | null = null;
    void import('echarts').then((echarts) => {
      if (disposed || !boxRef.current) return;
      const chart = echarts.init(boxRef.current, null, { renderer: 'canvas' });
      chartRef.current = chart;
      chart.setOption(optionRef.current, { notMerge: true });
      chart.on('finished', () => renderedRef.current?.());
      observer = new ResizeObserver(() => chart.resize());
      observer.observe(boxRef.current);
      onExporter?.({
        png: (background) => chart.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: background }),
        svg: async () => {
          const width = chart.getWidth();
          const height = chart.getHeight();
          const ssr = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
          ssr.setOption({ ...optionRef.current, animation: false } as EChartsOption);
          const text = ssr.renderToSVGString();
          ssr.dispose();
          return text;
        },
      });
    });
    return () => {
      disposed = true;
      observer?.disconnect();
      chartRef.current?.dispose();
      chartRef.current = null;
      onExporter?.(null);
    };
    // The chart instance lives as long as the component; options are pushed by the effect below.
  }, []);

  useEffect(() => {
    chartRef.current?.setOption(option, { notMerge: true });
  }, [option]);

  return <div ref={boxRef} role="img" aria-label={ariaLabel} style={{ height: heightPx, width: '100%' }} />;
}

import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { specFromHfConfig } from '../lib/model/hfConfig';
import { buildReport, serializeReport } from '../lib/report/report';
import { pressureChartData } from '../lib/scenario/pressure';
import { decodeSettings } from '../lib/settings/codec';

/** Issue #6's target for the longest main-thread task during a run, and the regression guard this spec enforces (see the test below). */
const LONG_TASK_TARGET_MS = 100;
const LONG_TASK_GUARD_MS = 150;

const chart = (page: Page, id: string) => page.locator(`[data-chart="${id}"]`);

/** The charts the default view must bring to data-state=ready without a click. */
const DEFAULT_CHARTS = ['compounding', 'pressure-pair', 'pressure-band', 'ppl-context'];

/**
 * Installed before any page script: records every long task (the browser reports tasks ≥ 50 ms)
 * with its start on the page clock, so the check can keep those after first paint.
 */
function installLongTaskObserver(): void {
  const w = window as unknown as { __longTasks: Array<{ startMs: number; durationMs: number; name: string }>; __readyAtMs: Record<string, number> };
  w.__longTasks = [];
  // When each chart last turned ready, on the page clock: the test's own polling (100 ms, then up
  // to 1 s apart) would otherwise add its latency to the measured time.
  w.__readyAtMs = {};
  new MutationObserver((records) => {
    const now = performance.now();
    for (const r of records) {
      const targets = r.type === 'attributes' ? [r.target] : Array.from(r.addedNodes);
      for (const node of targets) {
        if (!(node instanceof Element)) continue;
        const charts = node.matches('[data-chart]') ? [node] : Array.from(node.querySelectorAll('[data-chart]'));
        for (const el of charts) if (el.getAttribute('data-state') === 'ready') w.__readyAtMs[el.getAttribute('data-chart') ?? ''] = now;
      }
    }
  }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) w.__longTasks.push({ startMs: e.startTime, durationMs: e.duration, name: e.name });
  }).observe({ type: 'longtask', buffered: true });
  // Long animation frames carry script attribution (source URL, invoker) to find what a long task ran.
  const frames: Array<{ startMs: number; durationMs: number; scripts: string[] }> = [];
  (window as unknown as { __longFrames: typeof frames }).__longFrames = frames;
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries() as Array<
        PerformanceEntry & { scripts?: Array<{ duration: number; invoker: string; sourceURL: string; sourceFunctionName: string }> }
      >) {
        if (e.duration <= 100) continue;
        frames.push({
          startMs: Math.round(e.startTime),
          durationMs: Math.round(e.duration),
          scripts: (e.scripts ?? []).map((s) => `${Math.round(s.duration)} ms ${s.invoker} ${s.sourceFunctionName} ${s.sourceURL.replace(/^.*\/_next\//, '')}`),
        });
      }
    }).observe({ type: 'long-animation-frame', buffered: true });
  } catch {
    // Browsers without long-animation-frame entries still get the longtask check.
  }
  // Stage timeline of the perplexity card (its loading message), to see where the seconds go.
  const stages: Array<{ atMs: number; text: string }> = [];
  (window as unknown as { __pplStages: typeof stages }).__pplStages = stages;
  new MutationObserver(() => {
    const text =
      document.querySelector('[data-chart="ppl-context"] [role="status"] span')?.textContent ??
      document.querySelector('[data-chart="ppl-context"]')?.getAttribute('data-state') ??
      '';
    if (text && stages[stages.length - 1]?.text !== text) stages.push({ atMs: Math.round(performance.now()), text });
  }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['data-state'] });
}

interface RunTiming {
  firstPaintMs: number;
  readyMs: number;
  longTasks: Array<{ startMs: number; durationMs: number; name: string }>;
}

// One default run feeds both checks (a run costs tens of seconds on this machine).
test.describe.serial('behaviour: default run', () => {
  let run: RunTiming | null = null;

  test('every default chart is ready without a click, nothing leaves the origin, WASM is cross-origin isolated', async ({ page, baseURL }) => {
    const foreign: string[] = [];
    page.on('request', (r) => {
      const url = r.url();
      if (!url.startsWith(baseURL!) && !url.startsWith('data:') && !url.startsWith('blob:')) foreign.push(url);
    });
    await page.addInitScript(installLongTaskObserver);
    await page.goto('/');
    for (const id of DEFAULT_CHARTS) await expect(chart(page, id)).toHaveAttribute('data-state', 'ready', { timeout: 170_000 });
    // Every chart the default page computes without a click counts (sections added later included);
    // the search candidates wait for "Run search", and say so: idle, not loading.
    await expect(chart(page, 'search-candidates')).toHaveAttribute('data-state', 'idle');
    const shown = await page
      .locator('[data-chart]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-chart') ?? '').filter((id) => id !== 'search-candidates'));
    for (const id of shown) await expect(chart(page, id), `${id} on the default page`).toHaveAttribute('data-state', 'ready', { timeout: 170_000 });
    const timing = await page.evaluate((ids) => {
      const paint = performance.getEntriesByType('paint').find((e) => e.name === 'first-contentful-paint') ?? performance.getEntriesByType('paint')[0];
      const w = window as unknown as { __longTasks: Array<{ startMs: number; durationMs: number; name: string }>; __readyAtMs: Record<string, number> };
      const stages = (window as unknown as { __pplStages: unknown[] }).__pplStages;
      const longFrames = (window as unknown as { __longFrames: unknown[] }).__longFrames;
      const slowChartJobs = performance
        .getEntriesByType('measure')
        .filter((m) => m.name.startsWith('echart ') && m.duration > 50)
        .map((m) => [Math.round(m.startTime), Math.round(m.duration), m.name]);
      const engine = performance
        .getEntriesByType('measure')
        .filter((m) => m.name.startsWith('engine ') || m.name.startsWith('analysis '))
        .map((m) => [
          Math.round(m.startTime),
          Math.round(m.duration),
          // Session keys are JSON (lib/scenario/key): keep what tells the graphs apart.
          m.name
            .replace(/\\?"(kv|kvChannelScales|qroar|quantFormat|tapQueries|tapValues|engine)\\?":(null|false|true|\\?"[^"\\]*\\?"),?/g, '')
            .replace(/[{}\\"]/g, '')
            .slice(0, 160),
        ]);
      return {
        firstPaintMs: paint?.startTime ?? 0,
        // The moment the last of the shown charts turned ready (each is ready now: checked above).
        readyMs: Math.max(...ids.map((id) => w.__readyAtMs[id] ?? performance.now())),
        readyAt: ids.map((id) => [id, Math.round(w.__readyAtMs[id] ?? -1)]).sort((a, b) => Number(a[1]) - Number(b[1])),
        longTasks: w.__longTasks,
        longFrames,
        slowChartJobs,
        isolated: crossOriginIsolated,
        stages,
        engine,
      };
    }, shown);
    const readyAfterPaintS = (timing.readyMs - timing.firstPaintMs) / 1000;
    test.info().annotations.push({ type: 'default charts ready after first paint (s)', description: readyAfterPaintS.toFixed(1) });
    await test.info().attach('timing.json', { body: JSON.stringify({ readyAfterPaintS, charts: shown, ...timing }, null, 1), contentType: 'application/json' });
    console.log(
      `default charts (${shown.length}) ready ${readyAfterPaintS.toFixed(1)} s after first paint (${Math.round(timing.firstPaintMs)} ms); long tasks ≥ 50 ms [start, ms]: ${JSON.stringify(timing.longTasks.map((t) => [Math.round(t.startMs), Math.round(t.durationMs)]))}`,
    );
    console.log(`charts turned ready [id, ms on the page clock]: ${JSON.stringify(timing.readyAt)}`);
    console.log(`chart jobs over 50 ms [start, ms, name]: ${JSON.stringify(timing.slowChartJobs)}`);
    console.log(`long animation frames over 100 ms [start, ms, scripts]: ${JSON.stringify(timing.longFrames)}`);
    const engineMs = (kind: string) => timing.engine.filter((e) => String(e[2]).startsWith(`engine ${kind}`)).reduce((a, e) => a + Number(e[1]), 0);
    console.log(
      `engine timeline [start, ms, what]: ${JSON.stringify(timing.engine)}; loads ${Math.round(engineMs('load'))} ms, runs ${Math.round(engineMs('run'))} ms`,
    );
    console.log(
      `perplexity card stages [ms, text]: ${JSON.stringify((timing.stages as Array<{ atMs: number; text: string }>).filter((st) => !st.text.includes('fetch:')).map((st) => [st.atMs, st.text]))}`,
    );

    // Ready means every chart drew its main curves; the perplexity chart's overlay methods (the
    // default compares YaRN) may still be running, and say so in its note. Time them too.
    await expect(chart(page, 'ppl-context'), 'the overlay curves finish').not.toContainText('still running', { timeout: 120_000 });
    const settledS = ((await page.evaluate(() => performance.now())) - timing.firstPaintMs) / 1000;
    console.log(`perplexity overlays (every curve) settled ${settledS.toFixed(1)} s after first paint`);
    test.info().annotations.push({ type: 'every perplexity curve settled after first paint (s)', description: settledS.toFixed(1) });

    run = timing;
    expect(timing.isolated, 'cross-origin isolation lets the WASM EP use 2 threads').toBe(true);
    expect(foreign).toEqual([]);
  });

  // The product target is 100 ms (issue #6). Since echarts is evaluated a piece per task
  // (components/charts/EChart.tsx) no task reached it in 10 runs on 2026-12-02 (8 quiet, 2 beside a
  // CPU-bound process; longest 97 ms, react-dom's own evaluation at first paint). Before, echarts'
  // evaluation as one module graph took 100–310 ms (261 ms in a CI run). The guard keeps 50% over
  // the longest task measured, for a loaded 2-core machine, and every task over the target is printed
  // with the long-animation-frame attribution above.
  test(`no main-thread task over ${LONG_TASK_GUARD_MS} ms (target ${LONG_TASK_TARGET_MS} ms) between first paint and the default charts ready`, () => {
    expect(run, 'the default run above finished').not.toBeNull();
    const timing = run!;
    const inRun = timing.longTasks.filter((t) => t.startMs >= timing.firstPaintMs && t.startMs <= timing.readyMs);
    const overTarget = inRun.filter((t) => t.durationMs > LONG_TASK_TARGET_MS);
    console.log(
      `main-thread tasks over the ${LONG_TASK_TARGET_MS} ms target during the run: ${JSON.stringify(overTarget.map((t) => Math.round(t.durationMs)))}`,
    );
    const overGuard = inRun.filter((t) => t.durationMs > LONG_TASK_GUARD_MS);
    expect(overGuard, `main-thread tasks over ${LONG_TASK_GUARD_MS} ms between first paint and charts ready`).toEqual([]);
  });
});

/** A report file as "Save report" writes it. Pressure is computed by lib/scenario from the built-in model's config; the perplexity values are hand-built test inputs for the compare view, not model output. */
function reportFile(name: string, query: string, perplexity: number[]): { name: string; mimeType: string; buffer: Buffer } {
  const config = JSON.parse(readFileSync('public/models/bandscope-byte-4m/config.json', 'utf8')) as Record<string, unknown>;
  const { settings } = decodeSettings(query);
  const report = buildReport({
    settings,
    model: { id: 'builtin:bandscope-byte-4m', label: 'bandscope-byte-4m', identity: 'ab'.repeat(32), weightsSizeBytes: null },
    device: 'wasm',
    pressure: pressureChartData(specFromHfConfig(config).rope, settings),
    perplexity: {
      curves: [{ method: settings.pi.method, variant: 'fp', contextTokens: [64, 256, 1024], perplexity }],
      trainedWindowTokens: 256,
      tokenBudget: 2048,
    },
    search: null,
    createdAt: new Date('2026-01-02T03:04:05Z'),
  });
  return { name, mimeType: 'application/json', buffer: Buffer.from(serializeReport(report)) };
}

test('compare view: two saved reports render side by side with their differences; a bad file stays on its side', async ({ page }) => {
  await page.goto('/');
  await page.getByLabel('Open the left report to compare').setInputFiles(reportFile('left.json', 'pi=yarn&cmp=', [3, 3.5, 4]));
  await page.getByLabel('Open the right report to compare').setInputFiles(reportFile('right.json', 'pi=linear&cmp=', [3, 3.25, 5]));
  for (const side of ['left', 'right']) {
    for (const id of ['pressure-band', 'pressure-pair', 'ppl-context'])
      await expect(chart(page, `compare-${side}:${id}`)).toHaveAttribute('data-state', 'ready');
  }
  const diff = page.getByTestId('compare-diff');
  await expect(diff.getByRole('table', { name: 'Settings that differ' })).toContainText('linear');
  // Curves are matched by method; yarn vs linear share none, so the table says so.
  await expect(diff.getByRole('table', { name: 'Perplexity differences per context' })).toContainText('No curve and context in common');

  await page.getByLabel('Open the right report to compare').setInputFiles(reportFile('right.json', 'pi=yarn&cmp=', [3, 3.25, 5]));
  const deltas = diff.getByRole('table', { name: 'Perplexity differences per context' });
  await expect(deltas).toContainText('−0.25');
  await expect(deltas).toContainText('+25.0 %');

  await page
    .getByLabel('Open the right report to compare')
    .setInputFiles({ name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from('{"format":') });
  await expect(page.getByTestId('compare-error-right')).toContainText('not a JSON file');
  await expect(chart(page, 'compare-left:ppl-context')).toHaveAttribute('data-state', 'ready');
  await expect(chart(page, 'pressure-band')).toHaveAttribute('data-state', 'ready');
});

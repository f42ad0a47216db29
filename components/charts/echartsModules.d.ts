// echarts ships no type declarations for its per-feature modules under lib/, which EChart.tsx loads
// one at a time. The series and component modules register themselves on import and export nothing
// the page uses; the renderer modules export their installer for echarts' `use`.
declare module 'echarts/lib/chart/*';
declare module 'echarts/lib/component/*';
declare module 'echarts/lib/util/graphic.js';
declare module 'echarts/lib/renderer/installCanvasRenderer.js' {
  export const install: Parameters<typeof import('echarts/core').use>[0];
}
declare module 'echarts/lib/renderer/installSVGRenderer.js' {
  export const install: Parameters<typeof import('echarts/core').use>[0];
}

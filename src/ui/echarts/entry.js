// entry.js - the dashboard's custom ECharts build: only the chart type and
// components the page draws with (lines and min-max bands, grid, tooltip with
// a synchronised axis pointer, gap shading via markArea, lifecycle events via
// markLine; legends are the page's own buttons), on the canvas renderer.
// Bundled and minified at build time by build.mjs into window.echarts, so
// the page and the browser test keep using the global API (init, connect,
// graphic, getInstanceByDom). A new chart type or component on the page
// means a new import here.
import * as echarts from 'echarts/core';
import { LineChart } from 'echarts/charts';
import {
  GridComponent, TooltipComponent, AxisPointerComponent,
  MarkAreaComponent, MarkLineComponent,
} from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([
  LineChart, GridComponent, TooltipComponent, AxisPointerComponent,
  MarkAreaComponent, MarkLineComponent, CanvasRenderer,
]);

window.echarts = echarts;

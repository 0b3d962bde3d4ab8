// Stacked bars by band. ECharts is fetched the first time a chart is shown, never with the page.
import { html, useEffect, useRef } from '/console/js/lib.js';
import { language, t } from '/console/js/i18n.js';

let echartsModule = null;
function loadEcharts() {
  echartsModule = echartsModule || import('echarts');
  return echartsModule;
}

const COLOURS = { sharp: '#B24E4E', peak: '#A75D0E', flat: '#2D70B5', valley: '#417C25' };
const NAMES = { sharp: 'Sharp', peak: 'Peak', flat: 'Flat', valley: 'Valley' };

export function BandBars({ rows, labelOf, onPick, height = 260 }) {
  const box = useRef(null);
  useEffect(() => {
    let live = true;
    let chart = null;
    loadEcharts().then((echarts) => {
      if (!live || !box.current) return;
      chart = echarts.init(box.current, null, { locale: language() === 'en' ? 'EN' : 'ZH', renderer: 'canvas' });
      chart.setOption({
        animation: false,
        grid: { left: 36, right: 8, top: 36, bottom: 28 },
        legend: { top: 0, itemWidth: 12, itemHeight: 12 },
        tooltip: { trigger: 'axis', confine: true },
        xAxis: { type: 'category', data: rows.map(labelOf) },
        yAxis: { type: 'value', name: 'kWh', nameGap: 8 },
        series: Object.keys(NAMES).map((band) => ({
          name: t(NAMES[band]), type: 'bar', stack: 'kwh', itemStyle: { color: COLOURS[band] },
          data: rows.map((row) => Number(row[band])),
        })),
      });
      if (onPick) chart.on('click', (event) => onPick(rows[event.dataIndex]));
    });
    return () => {
      live = false;
      if (chart) chart.dispose();
    };
  }, [JSON.stringify(rows), language()]);
  return html`<div class="chart" ref=${box} style=${{ height: `${height}px` }} data-chart="usage"></div>`;
}

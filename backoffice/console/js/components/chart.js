// A chart panel: ECharts is fetched the first time a chart is shown, never with the page.
import { html, useEffect, useRef } from '../lib.js';
import { language } from '../i18n.js';

let echartsModule = null;
function loadEcharts() {
  echartsModule = echartsModule || import('echarts');
  return echartsModule;
}

export function ChartPanel({ title, option, height = 280 }) {
  const box = useRef(null);
  const chart = useRef(null);
  useEffect(() => {
    let live = true;
    let resize = null;
    loadEcharts().then((echarts) => {
      if (!live || !box.current) return;
      chart.current = echarts.init(box.current, null, { locale: language() === 'en' ? 'EN' : 'ZH', renderer: 'canvas' });
      chart.current.setOption(option);
      resize = () => chart.current && chart.current.resize();
      window.addEventListener('resize', resize);
    });
    return () => {
      live = false;
      if (resize) window.removeEventListener('resize', resize);
      if (chart.current) chart.current.dispose();
      chart.current = null;
    };
  }, [JSON.stringify(option), language()]);
  return html`<section class="panel">
    ${title && html`<h3 class="panel-title">${title}</h3>`}
    <div class="chart" ref=${box} style=${{ height: `${height}px` }} data-chart=${title || 'chart'}></div>
  </section>`;
}

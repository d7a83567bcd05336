(function () {
  const data = JSON.parse(document.getElementById('run-data').textContent);
  const COLORS = ['#2f6fde', '#e4572e', '#17a398', '#9c51b6', '#f3a712', '#6b7280'];
  const SVG = 'http://www.w3.org/2000/svg';
  const SMOOTH_AFTER = 60;  // epochs; longer histories get a moving average over the raw curve

  function el(name, attrs, parent) {
    const node = document.createElementNS(SVG, name);
    for (const k in attrs) node.setAttribute(k, attrs[k]);
    parent.appendChild(node);
    return node;
  }
  function ticks(lo, hi, count) {
    const span = hi - lo || 1, mag = Math.pow(10, Math.floor(Math.log10(span / count)));
    const step = [1, 2, 5, 10].map(m => m * mag).find(s => span / s <= count) || 10 * mag;
    const out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toFixed(10));
    return out;
  }
  function fmt(v) {
    return typeof v !== 'number' ? '-' : Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(3);
  }
  function movingAverage(values, half) {
    return values.map((_, i) => {
      const part = values.slice(Math.max(0, i - half), i + half + 1);
      return part.reduce((a, b) => a + b, 0) / part.length;
    });
  }

  // One panel per group of keys (losses; accuracies for AC-GAN), side by side in one SVG.
  function drawChart(svg, history, legend) {
    const keys = Object.keys(history[history.length - 1]).filter(k => k !== 'epoch' && k !== 'seconds');
    const accuracies = keys.filter(k => k.startsWith('acc'));
    const groups = [keys.filter(k => !accuracies.includes(k)), accuracies].filter(g => g.length);
    // Drawn at the SVG's own width, so that the text keeps its CSS size.
    const W = Math.max(360, Math.round(svg.getBoundingClientRect().width) || 600), H = 260;
    const left = 46, right = 10, top = 8, bottom = 30, gap = 44;
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
    const width = (W - left - right - gap * (groups.length - 1)) / groups.length;
    const epochs = history.map(r => r.epoch);
    const half = Math.max(2, Math.round(history.length / 80));
    let x0 = Math.min(...epochs), x1 = Math.max(...epochs);
    if (x0 === x1) { x0 -= 1; x1 += 1; }
    const panels = groups.map((group, p) => {
      const ox = left + p * (width + gap), accuracy = group[0].startsWith('acc');
      const values = history.flatMap(r => group.map(k => r[k])).filter(v => typeof v === 'number');
      let y0 = values.length ? Math.min(...values) : 0, y1 = values.length ? Math.max(...values) : 1;
      if (accuracy) { y0 = 0; y1 = 1; }
      if (y0 === y1) { y0 -= 0.5; y1 += 0.5; }
      if (!accuracy) { const pad = (y1 - y0) * 0.05; y0 -= pad; y1 += pad; }
      const sx = e => ox + (e - x0) / (x1 - x0) * width;
      const sy = v => top + (1 - (v - y0) / (y1 - y0)) * (H - top - bottom);
      for (const t of ticks(y0, y1, 5)) {
        el('line', {x1: ox, x2: ox + width, y1: sy(t), y2: sy(t), stroke: '#e6e9ee'}, svg);
        el('text', {x: ox - 4, y: sy(t) + 4, 'text-anchor': 'end'}, svg).textContent = String(+t.toPrecision(6));
      }
      for (const t of ticks(x0, x1, Math.max(2, Math.floor(width / 70))).filter(Number.isInteger)) {
        el('text', {x: sx(t), y: H - bottom + 13, 'text-anchor': 'middle'}, svg).textContent = t;
      }
      el('rect', {x: ox, y: top, width: width, height: H - top - bottom, fill: 'none', stroke: '#cfd5de'}, svg);
      el('text', {x: ox + width / 2, y: H - 1, 'text-anchor': 'middle'}, svg).textContent = 'epoch';
      for (const key of group) {
        const color = COLORS[keys.indexOf(key) % COLORS.length];
        const series = history.filter(r => typeof r[key] === 'number');
        const values = series.map(r => r[key]);
        const line = (ys, attrs) => el('polyline', Object.assign({
          fill: 'none', stroke: color, 'stroke-linejoin': 'round',
          points: series.map((r, i) => sx(r.epoch).toFixed(1) + ',' + sy(ys[i]).toFixed(1)).join(' '),
        }, attrs), svg);
        if (series.length > SMOOTH_AFTER) {
          line(values, {'stroke-width': 1, 'stroke-opacity': 0.28});
          line(movingAverage(values, half), {'stroke-width': 1.8});
        } else if (series.length > 1) {
          line(values, {'stroke-width': 1.5});
        }
        if (series.length < 40) {
          series.forEach(r => el('circle', {cx: sx(r.epoch), cy: sy(r[key]), r: 2.4, fill: color}, svg));
        }
        legend.insertAdjacentHTML('beforeend', '<span><i style="background:' + color + '"></i>' + key + '</span>');
      }
      return {ox: ox, sx: sx};
    });
    if (history.length > SMOOTH_AFTER) {
      legend.insertAdjacentHTML('beforeend', '<span class="hint">bold: mean over ' + (2 * half + 1) + ' epochs</span>');
    }
    const cursors = panels.map(() => el('line', {y1: top, y2: H - bottom, stroke: '#1f2937',
                                                 'stroke-dasharray': '3 3', visibility: 'hidden'}, svg));
    return {
      epochAt(clientX) {
        const point = svg.createSVGPoint();
        point.x = clientX;
        const x = point.matrixTransform(svg.getScreenCTM().inverse()).x;
        const panel = panels.find(p => x >= p.ox - gap / 2 && x <= p.ox + width + gap / 2);
        return panel ? Math.round(x0 + (x - panel.ox) / width * (x1 - x0)) : null;
      },
      mark(epoch) {
        cursors.forEach((cursor, p) => {
          const x = panels[p].sx(epoch);
          cursor.setAttribute('x1', x);
          cursor.setAttribute('x2', x);
          cursor.setAttribute('visibility', 'visible');
        });
      },
    };
  }

  document.querySelectorAll('section.gan[data-gan]').forEach(section => {
    const gan = data.gans[+section.dataset.gan];
    const last = gan.epochs.length - 1;
    const slider = section.querySelector('input[type=range]');
    const image = section.querySelector('img[id^=tl-]');
    const link = section.querySelector('a[id^=tl-]');
    const label = section.querySelector('.controls .epoch');
    const caption = image ? image.closest('figure').querySelector('figcaption') : null;
    const readout = section.querySelector('.readout');
    const svg = section.querySelector('svg.loss');
    const chart = svg ? drawChart(svg, gan.history, section.querySelector('.legend')) : null;
    const bestOf = {};
    gan.best.forEach(b => { (bestOf[b.epoch] = bestOf[b.epoch] || []).push(b.class); });

    function describe(epoch) {
      const r = gan.history.find(r => r.epoch === epoch);
      if (!r) return 'epoch ' + epoch;
      const values = Object.keys(r).filter(k => k !== 'epoch')
        .map(k => k + ' ' + (k === 'seconds' ? fmt(r[k]) + ' s' : fmt(r[k])));
      return ['epoch ' + epoch].concat(values).join(' · ');
    }
    function show(i) {
      i = Math.max(0, Math.min(last, i));
      const epoch = gan.epochs[i];
      slider.value = i;
      image.src = gan.src[i];
      link.href = gan.src[i];
      label.textContent = 'epoch ' + epoch + ' / ' + (data.epochs || gan.epochs[last]);
      caption.textContent = 'epoch ' + epoch + (i === last ? ' (latest)' : '')
        + (bestOf[epoch] ? ' — best FID: ' + bestOf[epoch].join(', ') : '');
      if (chart) chart.mark(epoch);
      if (readout) readout.textContent = describe(epoch);
    }
    function nearest(epoch) {
      let best = 0;
      gan.epochs.forEach((e, i) => { if (Math.abs(e - epoch) < Math.abs(gan.epochs[best] - epoch)) best = i; });
      return best;
    }
    if (slider) {
      const play = section.querySelector('.play');
      let timer = null;
      const stop = () => { clearInterval(timer); timer = null; play.innerHTML = '&#9654;'; };
      slider.addEventListener('input', () => show(+slider.value));
      play.addEventListener('click', () => {
        if (timer) return stop();
        if (+slider.value >= last) show(0);
        play.innerHTML = '&#10074;&#10074;';
        timer = setInterval(() => (+slider.value >= last ? stop() : show(+slider.value + 1)),
                            Math.max(60, Math.min(400, 8000 / gan.epochs.length)));
      });
      section.querySelectorAll('button.best').forEach(button => {
        button.addEventListener('click', () => show(nearest(+button.dataset.epoch)));
      });
      show(gan.best.length ? nearest(gan.best[0].epoch) : last);
    }
    if (chart) {
      const current = () => (slider ? gan.epochs[+slider.value] : gan.history[gan.history.length - 1].epoch);
      svg.addEventListener('mousemove', ev => {
        const epoch = chart.epochAt(ev.clientX);
        if (epoch !== null) readout.textContent = describe(epoch);
      });
      svg.addEventListener('mouseleave', () => { readout.textContent = describe(current()); });
      svg.addEventListener('click', ev => {
        const epoch = chart.epochAt(ev.clientX);
        if (epoch !== null && slider) show(nearest(epoch));
      });
      if (!slider) { chart.mark(current()); readout.textContent = describe(current()); }
    }
  });

  // For checks from a headless browser: how many of the page's images loaded.
  window.addEventListener('load', () => {
    const images = Array.from(document.images);
    document.body.dataset.imagesLoaded = images.filter(i => i.complete && i.naturalWidth > 0).length;
    document.body.dataset.imagesTotal = images.length;
  });
})();

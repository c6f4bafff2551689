/* Interactive figures of the course module ("explorers").
 *
 * Plain JavaScript and SVG; no library, no network. Each <figure class="explorer">
 * carries, in a <script type="application/json" class="explorer-data">, the numbers
 * the package (mse_gradient.explorers) wrote at build time: XᵀX, Xᵀy, yᵀy, m, θ̂,
 * the Hessian's eigenvalues... Everything drawn is computed from those.
 * Every control is a native <input type="range"> with a visible label, so the arrow
 * keys move it; each explorer has a text description and a live readout region.
 * Colours come from CSS classes (book/_static/course.css) that follow light/dark mode.
 * window.courseExplorers[id] exposes each explorer's state for the site tests.
 */
(function () {
  "use strict";
  const SVG = "http://www.w3.org/2000/svg";
  const registry = (window.courseExplorers = window.courseExplorers || {});

  // ---- small helpers -------------------------------------------------------
  function el(name, attrs, parent) {
    const node = document.createElementNS(SVG, name);
    for (const key in attrs || {}) node.setAttribute(key, attrs[key]);
    if (parent) parent.appendChild(node);
    return node;
  }
  function html(tag, attrs, parent, text) {
    const node = document.createElement(tag);
    for (const key in attrs || {}) node.setAttribute(key, attrs[key]);
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }
  function fmt(x, digits) {
    if (!isFinite(x)) return x > 0 ? "∞" : x < 0 ? "−∞" : "NaN";
    let s = x.toFixed(digits);
    if (/^-0\.?0*$/.test(s)) s = s.slice(1); // no "−0.000"
    return s.replace("-", "−");
  }
  function tick(t) { return String(Math.round(t * 100) / 100).replace("-", "−"); }
  function slider(parent, id, label, min, max, step, value) {
    const row = html("div", { class: "explorer-control" }, parent);
    const lab = html("label", { for: id }, row);
    lab.innerHTML = label;
    const input = html("input", { type: "range", id: id, min: min, max: max, step: step }, row);
    input.value = value;
    const out = html("output", { for: id, id: id + "-value" }, row);
    return { input: input, out: out, row: row };
  }
  function scale(d0, d1, r0, r1) {
    return function (v) { return r0 + ((v - d0) / (d1 - d0)) * (r1 - r0); };
  }
  function path(points) {
    return points.map(function (p, k) { return (k ? "L" : "M") + p[0].toFixed(2) + " " + p[1].toFixed(2); }).join(" ");
  }
  function axes(svg, box, xs, ys, xlabel, ylabel, xticks, yticks) {
    const g = el("g", { class: "ex-axes" }, svg);
    el("rect", { x: box.x0, y: box.y1, width: box.x1 - box.x0, height: box.y0 - box.y1, class: "ex-frame" }, g);
    xticks.forEach(function (t) {
      const x = xs(t);
      el("line", { x1: x, x2: x, y1: box.y0, y2: box.y0 + 4, class: "ex-tick" }, g);
      el("text", { x: x, y: box.y0 + 16, "text-anchor": "middle", class: "ex-label" }, g).textContent = tick(t);
    });
    yticks.forEach(function (t) {
      const y = ys(t);
      el("line", { x1: box.x0 - 4, x2: box.x0, y1: y, y2: y, class: "ex-tick" }, g);
      el("text", { x: box.x0 - 7, y: y + 4, "text-anchor": "end", class: "ex-label" }, g).textContent = tick(t);
    });
    el("text", { x: (box.x0 + box.x1) / 2, y: box.y0 + 32, "text-anchor": "middle", class: "ex-label" }, g).textContent = xlabel;
    const yl = el("text", { x: 0, y: 0, "text-anchor": "middle", class: "ex-label",
      transform: "translate(" + (box.x0 - 34) + " " + (box.y0 + box.y1) / 2 + ") rotate(-90)" }, g);
    yl.textContent = ylabel;
    return g;
  }
  function clip(svg, id, box) {
    const defs = el("defs", {}, svg);
    const cp = el("clipPath", { id: id }, defs);
    el("rect", { x: box.x0, y: box.y1, width: box.x1 - box.x0, height: box.y0 - box.y1 }, cp);
    return "url(#" + id + ")";
  }
  function range(a, b, n) {
    const out = [];
    for (let k = 0; k < n; k++) out.push(a + ((b - a) * k) / (n - 1));
    return out;
  }

  // ---- the quadratic cost, from XᵀX, Xᵀy, yᵀy and m --------------------------
  function Quadratic(d) {
    const A = d.XtX, b = d.Xty, m = d.m, th = d.theta_hat;
    this.m = m;
    this.gradient = function (t) { // (2/m)(XᵀX θ − Xᵀy)
      return [(2 / m) * (A[0][0] * t[0] + A[0][1] * t[1] - b[0]), (2 / m) * (A[1][0] * t[0] + A[1][1] * t[1] - b[1])];
    };
    this.cost = function (t) { // J(θ̂) + (θ − θ̂)ᵀ (XᵀX/m) (θ − θ̂): no cancellation near the minimum
      const u = [t[0] - th[0], t[1] - th[1]];
      return d.J_min + (A[0][0] * u[0] * u[0] + 2 * A[0][1] * u[0] * u[1] + A[1][1] * u[1] * u[1]) / m;
    };
    this.descent = function (eta, steps, start) { // θ^[k+1] = θ^[k] − η ∇MSE(θ^[k])
      const out = [start.slice()];
      let t = start.slice();
      for (let k = 0; k < steps; k++) {
        const g = this.gradient(t);
        t = [t[0] - eta * g[0], t[1] - eta * g[1]];
        out.push(t);
      }
      return out;
    };
  }

  // ---- 1. learning rate -----------------------------------------------------
  function learningRate(fig, d) {
    const q = new Quadratic(d);
    const body = fig.querySelector(".explorer-body");
    const id = fig.id;
    const lmax = Math.max(d.lambdas[0], d.lambdas[1]);
    const etaLo = Math.log10(0.001), etaHi = Math.log10(1.0);
    const state = { eta: 0.1, steps: 20, start: d.theta_start.slice() };

    const W = 560, Hh = 380, box = { x0: 56, x1: W - 12, y0: Hh - 44, y1: 10 };
    const xs = scale(-1, 9, box.x0, box.x1), ys = scale(-2, 10, box.y0, box.y1);
    const svg = el("svg", { viewBox: "0 0 " + W + " " + Hh, class: "explorer-svg", role: "img",
      "aria-label": "Contours of the cost J(θ0, θ1) with the path of batch gradient descent" }, body);
    axes(svg, box, xs, ys, "θ0", "θ1", [0, 2, 4, 6, 8], [-2, 0, 2, 4, 6, 8, 10]);
    const clipped = el("g", { "clip-path": clip(svg, id + "-clip", box) }, svg);
    // contours: ellipses (θ − θ̂)ᵀ (H/2) (θ − θ̂) = c, drawn along the eigenvectors q_k
    [0.25, 1, 3, 8, 20, 45, 90, 160].forEach(function (c) {
      const pts = range(0, 2 * Math.PI, 121).map(function (a) {
        const r0 = Math.sqrt(c / (d.lambdas[0] / 2)) * Math.cos(a), r1 = Math.sqrt(c / (d.lambdas[1] / 2)) * Math.sin(a);
        return [xs(d.theta_hat[0] + r0 * d.q[0][0] + r1 * d.q[0][1]), ys(d.theta_hat[1] + r0 * d.q[1][0] + r1 * d.q[1][1])];
      });
      el("path", { d: path(pts) + " Z", class: "ex-contour" }, clipped);
    });
    el("circle", { cx: xs(d.theta_hat[0]), cy: ys(d.theta_hat[1]), r: 4, class: "ex-optimum" }, clipped);
    const trail = el("path", { class: "ex-path" }, clipped);
    const dots = el("g", { class: "ex-dots" }, clipped);
    const handle = el("circle", { r: 8, class: "ex-handle", tabindex: "-1" }, svg);
    el("title", {}, handle).textContent = "start θ^[0]: drag it, or use the two start sliders";

    const controls = html("div", { class: "explorer-controls" }, body);
    const etaS = slider(controls, id + "-eta", "learning rate η (log scale)", 0, 1000, 1, 0);
    const bar = el("svg", { viewBox: "0 0 300 22", class: "explorer-scale", "aria-hidden": "true" }, etaS.row);
    const bx = scale(etaLo, etaHi, 6, 294);
    el("line", { x1: 6, x2: 294, y1: 6, y2: 6, class: "ex-tick" }, bar);
    [0.001, 0.01, 0.1, 1].forEach(function (e) {
      el("line", { x1: bx(Math.log10(e)), x2: bx(Math.log10(e)), y1: 2, y2: 10, class: "ex-tick" }, bar);
    });
    el("line", { x1: bx(Math.log10(d.eta_max)), x2: bx(Math.log10(d.eta_max)), y1: 0, y2: 12, class: "ex-bound" }, bar);
    el("text", { x: bx(Math.log10(d.eta_max)) - 3, y: 21, "text-anchor": "end", class: "ex-label ex-small" }, bar).textContent =
      "2/λmax = " + fmt(d.eta_max, 4);
    const stepsS = slider(controls, id + "-steps", "steps shown k", 1, 100, 1, state.steps);
    const s0 = slider(controls, id + "-start0", "start θ<sub>0</sub><sup>[0]</sup>", -1, 9, 0.1, state.start[0]);
    const s1 = slider(controls, id + "-start1", "start θ<sub>1</sub><sup>[0]</sup>", -2, 10, 0.1, state.start[1]);
    const readout = html("p", { class: "explorer-readout", "aria-live": "polite", id: id + "-readout" }, body);

    function etaFromSlider(v) { return Math.pow(10, etaLo + (v / 1000) * (etaHi - etaLo)); }
    function sliderFromEta(e) { return Math.round(((Math.log10(e) - etaLo) / (etaHi - etaLo)) * 1000); }
    etaS.input.value = sliderFromEta(state.eta);

    function epochsToConverge() {
      const f = d.lambdas.map(function (l) { return 1 - state.eta * l; });
      const dist = function (t) { return Math.hypot(t[0] - d.theta_hat[0], t[1] - d.theta_hat[1]); };
      let t = state.start.slice();
      if (dist(t) < 1e-3) return { epochs: 0, factors: f };
      if (Math.max(Math.abs(f[0]), Math.abs(f[1])) >= 1) return { epochs: null, diverges: true, factors: f };
      for (let k = 1; k <= 1000000; k++) {
        const g = q.gradient(t);
        t = [t[0] - state.eta * g[0], t[1] - state.eta * g[1]];
        if (dist(t) < 1e-3) return { epochs: k, factors: f };
      }
      return { epochs: null, factors: f };
    }

    function draw() {
      const pts = q.descent(state.eta, state.steps, state.start);
      state.path = pts;
      const shown = pts.filter(function (p) { return Math.abs(p[0]) < 1e6 && Math.abs(p[1]) < 1e6; });
      trail.setAttribute("d", path(shown.map(function (p) { return [xs(p[0]), ys(p[1])]; })));
      while (dots.firstChild) dots.removeChild(dots.firstChild);
      shown.forEach(function (p) { el("circle", { cx: xs(p[0]).toFixed(2), cy: ys(p[1]).toFixed(2), r: 2.5 }, dots); });
      handle.setAttribute("cx", xs(state.start[0]));
      handle.setAttribute("cy", ys(state.start[1]));
      etaS.out.textContent = "η = " + fmt(state.eta, 4);
      stepsS.out.textContent = String(state.steps);
      s0.out.textContent = fmt(state.start[0], 2);
      s1.out.textContent = fmt(state.start[1], 2);
      const c = epochsToConverge();
      state.converge = c;
      const last = pts[pts.length - 1];
      let text = "η = " + fmt(state.eta, 4) + " (divergence bound 2/λmax = " + fmt(d.eta_max, 4) + "). " +
        "Step factors 1 − ηλ along the two eigenvectors: " + fmt(c.factors[0], 3) + " and " + fmt(c.factors[1], 3) + ". ";
      if (c.diverges) text += "Diverges: |1 − ηλmax| = " + fmt(Math.abs(c.factors[1]), 3) + " ≥ 1, so each step moves farther from θ̂.";
      else if (c.epochs === null) text += "Converges, but needs more than a million epochs to reach ‖θ − θ̂‖ < 10⁻³.";
      else text += "Reaches ‖θ − θ̂‖ < 10⁻³ after " + c.epochs + " epoch" + (c.epochs === 1 ? "" : "s") + ".";
      text += " After " + state.steps + " steps θ = (" + fmt(last[0], 3) + ", " + fmt(last[1], 3) + ").";
      readout.textContent = text;
    }
    etaS.input.addEventListener("input", function () { state.eta = etaFromSlider(+etaS.input.value); draw(); });
    stepsS.input.addEventListener("input", function () { state.steps = +stepsS.input.value; draw(); });
    s0.input.addEventListener("input", function () { state.start[0] = +s0.input.value; draw(); });
    s1.input.addEventListener("input", function () { state.start[1] = +s1.input.value; draw(); });
    // drag the start point
    let dragging = false;
    function toData(evt) {
      const r = svg.getBoundingClientRect();
      const px = ((evt.clientX - r.left) / r.width) * W, py = ((evt.clientY - r.top) / r.height) * Hh;
      const t0 = -1 + ((px - box.x0) / (box.x1 - box.x0)) * 10, t1 = -2 + ((box.y0 - py) / (box.y0 - box.y1)) * 12;
      return [Math.min(9, Math.max(-1, t0)), Math.min(10, Math.max(-2, t1))];
    }
    handle.addEventListener("pointerdown", function (evt) { dragging = true; handle.setPointerCapture(evt.pointerId); });
    handle.addEventListener("pointermove", function (evt) {
      if (!dragging) return;
      state.start = toData(evt);
      s0.input.value = state.start[0]; s1.input.value = state.start[1];
      draw();
    });
    handle.addEventListener("pointerup", function () { dragging = false; });
    draw();
    return {
      state: function () { return state; },
      set: function (o) {
        if (o.eta !== undefined) { state.eta = o.eta; etaS.input.value = sliderFromEta(o.eta); }
        if (o.steps !== undefined) { state.steps = o.steps; stepsS.input.value = o.steps; }
        if (o.start !== undefined) { state.start = o.start.slice(); s0.input.value = o.start[0]; s1.input.value = o.start[1]; }
        draw();
        return state;
      },
    };
  }

  // ---- 2. directional derivative --------------------------------------------
  function directional(fig, d) {
    const q = new Quadratic(d);
    const body = fig.querySelector(".explorer-body");
    const id = fig.id;
    const theta = d.theta;
    const g = q.gradient(theta), gnorm = Math.hypot(g[0], g[1]);
    const steepest = (Math.atan2(-g[1], -g[0]) * 180) / Math.PI;
    const state = { angle: 0 };
    const J0 = q.cost(theta);
    const ts = range(-1, 1, 81);
    // a fixed vertical range over all directions, so that the curve visibly moves
    let lo = Infinity, hi = -Infinity;
    for (let a = 0; a < 360; a += 5) {
      const v = [Math.cos((a * Math.PI) / 180), Math.sin((a * Math.PI) / 180)];
      ts.forEach(function (t) { const c = q.cost([theta[0] + t * v[0], theta[1] + t * v[1]]); lo = Math.min(lo, c); hi = Math.max(hi, c); });
    }
    const W = 600, Hh = 300;
    const svg = el("svg", { viewBox: "0 0 " + W + " " + Hh, class: "explorer-svg", role: "img",
      "aria-label": "Left: the direction v on the unit circle and the steepest-descent direction. Right: the cost along v and its tangent at t = 0." }, body);
    // unit circle
    const cx = 120, cy = 140, R = 90;
    el("circle", { cx: cx, cy: cy, r: R, class: "ex-contour" }, svg);
    const sd = [-g[0] / gnorm, -g[1] / gnorm];
    el("line", { x1: cx, y1: cy, x2: cx + R * sd[0], y2: cy - R * sd[1], class: "ex-steepest" }, svg);
    el("text", { x: cx + (R + 6) * sd[0], y: cy - (R + 6) * sd[1] + (sd[1] > 0 ? -4 : 12), "text-anchor": sd[0] < 0 ? "end" : "start", class: "ex-label" }, svg)
      .textContent = "−∇/‖∇‖";
    const arrow = el("line", { x1: cx, y1: cy, class: "ex-vector" }, svg);
    const tip = el("circle", { r: 5, class: "ex-vector-tip" }, svg);
    el("text", { x: cx, y: cy + R + 28, "text-anchor": "middle", class: "ex-label" }, svg).textContent = "direction v at θ = (" + fmt(theta[0], 1) + ", " + fmt(theta[1], 1) + ")";
    // the cost along v
    const box = { x0: 300, x1: W - 12, y0: Hh - 44, y1: 12 };
    const xs = scale(-1, 1, box.x0, box.x1), ys = scale(lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo), box.y0, box.y1);
    const step = Math.pow(10, Math.floor(Math.log10((hi - lo) / 2)));
    const yt = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi; v += step) yt.push(v);
    axes(svg, box, xs, ys, "t", "MSE(θ + t v)", [-1, 0, 1], yt.length > 8 ? yt.filter(function (_, k) { return k % 2 === 0; }) : yt);
    const clipped = el("g", { "clip-path": clip(svg, id + "-clip", box) }, svg);
    const curve = el("path", { class: "ex-path" }, clipped);
    const tangent = el("path", { class: "ex-tangent" }, clipped);
    el("circle", { cx: xs(0), cy: ys(J0), r: 4, class: "ex-optimum" }, clipped);

    const controls = html("div", { class: "explorer-controls" }, body);
    const angleS = slider(controls, id + "-angle", "direction of v (angle in degrees)", 0, 359, 1, 0);
    const readout = html("p", { class: "explorer-readout", "aria-live": "polite", id: id + "-readout" }, body);

    function draw() {
      const a = (state.angle * Math.PI) / 180, v = [Math.cos(a), Math.sin(a)];
      const slope = g[0] * v[0] + g[1] * v[1]; // ∇MSE(θ)ᵀ v
      state.v = v; state.slope = slope;
      arrow.setAttribute("x2", cx + R * v[0]); arrow.setAttribute("y2", cy - R * v[1]);
      tip.setAttribute("cx", cx + R * v[0]); tip.setAttribute("cy", cy - R * v[1]);
      curve.setAttribute("d", path(ts.map(function (t) { return [xs(t), ys(q.cost([theta[0] + t * v[0], theta[1] + t * v[1]]))]; })));
      tangent.setAttribute("d", path([[xs(-1), ys(J0 - slope)], [xs(1), ys(J0 + slope)]]));
      angleS.out.textContent = state.angle + "°";
      let diff = Math.abs((((state.angle - steepest) % 360) + 540) % 360 - 180);
      readout.textContent = "v = (" + fmt(v[0], 3) + ", " + fmt(v[1], 3) + "). Slope of the tangent ∇MSE(θ)ᵀv = " + fmt(slope, 3) +
        ". Steepest descent is at " + fmt((steepest + 360) % 360, 1) + "°, where the slope is −‖∇MSE(θ)‖ = " + fmt(-gnorm, 3) +
        (diff < 0.5 ? ": you found it." : "; you are " + fmt(diff, 0) + "° away.");
    }
    angleS.input.addEventListener("input", function () { state.angle = +angleS.input.value; draw(); });
    draw();
    return {
      state: function () { return state; },
      set: function (o) { if (o.angle !== undefined) { state.angle = o.angle; angleS.input.value = o.angle; } draw(); return state; },
      gradient: function () { return g; },
    };
  }

  // ---- 3. residuals -----------------------------------------------------------
  function residuals(fig, d) {
    const body = fig.querySelector(".explorer-body");
    const id = fig.id;
    const m = d.m, x = d.x, y = d.y;
    const state = { theta: [2.5, 3.5] };
    const W = 560, Hh = 340, box = { x0: 50, x1: W - 12, y0: Hh - 44, y1: 10 };
    const xs = scale(0, 2, box.x0, box.x1), ys = scale(0, 15, box.y0, box.y1);
    const svg = el("svg", { viewBox: "0 0 " + W + " " + Hh, class: "explorer-svg", role: "img",
      "aria-label": "The data, the line ŷ = θ0 + θ1 x1 and the vertical residual of each instance" }, body);
    axes(svg, box, xs, ys, "x1", "y", [0, 0.5, 1, 1.5, 2].map(Number), [0, 5, 10, 15]);
    const clipped = el("g", { "clip-path": clip(svg, id + "-clip", box) }, svg);
    const segs = el("g", {}, clipped);
    const segments = x.map(function () { return el("line", {}, segs); });
    x.forEach(function (xi, i) { el("circle", { cx: xs(xi).toFixed(2), cy: ys(y[i]).toFixed(2), r: 2.8, class: "ex-point" }, clipped); });
    const line = el("line", { class: "ex-line" }, clipped);

    const controls = html("div", { class: "explorer-controls" }, body);
    const t0 = slider(controls, id + "-theta0", "intercept θ<sub>0</sub>", 0, 8, 0.01, state.theta[0]);
    const t1 = slider(controls, id + "-theta1", "slope θ<sub>1</sub>", -1, 6, 0.01, state.theta[1]);
    const button = html("button", { type: "button", class: "explorer-button" }, controls, "go to θ̂ (normal equation)");
    const readout = html("p", { class: "explorer-readout", "aria-live": "polite", id: id + "-readout" }, body);

    function evaluate(theta) {
      let sum = 0, g0 = 0, g1 = 0;
      for (let i = 0; i < m; i++) {
        const e = theta[0] + theta[1] * x[i] - y[i]; // e_i = x^(i)ᵀθ − y_i, with x_0 = 1
        sum += e * e; g0 += e; g1 += e * x[i];
      }
      return { mse: sum / m, gradient: [(2 / m) * g0, (2 / m) * g1] }; // (2/m) Xᵀe
    }
    function draw() {
      const th = state.theta, r = evaluate(th);
      state.mse = r.mse; state.gradient = r.gradient;
      line.setAttribute("x1", xs(0)); line.setAttribute("y1", ys(th[0]));
      line.setAttribute("x2", xs(2)); line.setAttribute("y2", ys(th[0] + 2 * th[1]));
      x.forEach(function (xi, i) {
        const s = segments[i], yhat = th[0] + th[1] * xi;
        s.setAttribute("x1", xs(xi).toFixed(2)); s.setAttribute("x2", xs(xi).toFixed(2));
        s.setAttribute("y1", ys(y[i]).toFixed(2)); s.setAttribute("y2", ys(yhat).toFixed(2));
        s.setAttribute("class", yhat >= y[i] ? "ex-residual ex-above" : "ex-residual ex-below");
      });
      t0.out.textContent = fmt(th[0], 3); t1.out.textContent = fmt(th[1], 3);
      const atOptimum = Math.abs(th[0] - d.theta_hat[0]) < 1e-12 && Math.abs(th[1] - d.theta_hat[1]) < 1e-12;
      readout.textContent = "θ = (" + fmt(th[0], 3) + ", " + fmt(th[1], 3) + "). MSE(θ) = " + fmt(r.mse, 4) +
        ". Gradient (2/m) Xᵀ(Xθ − y) = (" + fmt(r.gradient[0], 3) + ", " + fmt(r.gradient[1], 3) + ")" +
        (atOptimum ? ": zero, this is the minimum θ̂." : ".");
    }
    t0.input.addEventListener("input", function () { state.theta[0] = +t0.input.value; draw(); });
    t1.input.addEventListener("input", function () { state.theta[1] = +t1.input.value; draw(); });
    button.addEventListener("click", function () {
      state.theta = d.theta_hat.slice(); t0.input.value = state.theta[0]; t1.input.value = state.theta[1]; draw();
    });
    draw();
    return {
      state: function () { return state; },
      set: function (o) { if (o.theta) { state.theta = o.theta.slice(); t0.input.value = o.theta[0]; t1.input.value = o.theta[1]; } draw(); return state; },
      evaluate: evaluate,
    };
  }

  const KINDS = { "learning-rate": learningRate, directional: directional, residuals: residuals };
  function init() {
    document.querySelectorAll("figure.explorer").forEach(function (fig) {
      if (registry[fig.id]) return;
      const data = JSON.parse(fig.querySelector("script.explorer-data").textContent);
      const noscript = fig.querySelector(".explorer-body noscript");
      if (noscript) noscript.remove();
      const t = performance.now();
      registry[fig.id] = KINDS[fig.dataset.explorer](fig, data);
      registry[fig.id].firstDrawMs = performance.now() - t;
      fig.classList.add("explorer-ready");
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();

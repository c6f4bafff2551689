// Typeset the site's TeX at build time: MathJax 3 (the npm package `mathjax`,
// the same version 3.2.2 that the site serves in _static/mathjax) running in Node.
//
// Called once per build by tools/prerender_math.py with, on stdin, JSON
//   {"macros": {...}, "fontCache": "global", "pages": [{"items": [{"tex": "...", "display": true}, ...]}, ...]}
// and writes to stdout JSON
//   {"version": "3.2.2", "pages": [{"css": "...", "defs": "<svg ...><defs>...</defs></svg>",
//    "html": ["<mjx-container ...>", ...]}, ...],
//    "errors": [{"page": 0, "item": 3, "tex": "...", "message": "Missing close brace"}]}
//
// Each formula becomes MathJax's SVG output: an <svg> whose glyphs are paths
// filled with `currentColor` (the colour of the text, in light and dark mode;
// no web font), with its assistive MathML (`mjx-assistive-mml`, what screen
// readers read), in which the TeX source is kept as a MathML annotation
// (`<annotation encoding="application/x-tex">`). With fontCache "global" the
// glyph paths are defined once per page, in `defs` (an <svg> that the page
// must hold once, hidden), and each formula refers to them with <use>; with
// "local" each formula carries its own, and `defs` is empty. `css` is
// MathJax's stylesheet for the SVG output. Nothing is fetched.
import {createRequire} from 'node:module';
import {readFileSync} from 'node:fs';

const require = createRequire(import.meta.url);

function escapeText(text) {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function withTexAnnotation(html, tex) {
  // <math ...>children</math> -> <math ...><semantics><mrow>children</mrow><annotation ...>tex</annotation></semantics></math>
  return html.replace(/(<math\b[^>]*>)([\s\S]*)(<\/math>)/, (all, open, body, close) =>
    `${open}<semantics><mrow>${body}</mrow><annotation encoding="application/x-tex">${escapeText(tex)}</annotation></semantics>${close}`);
}

// Fewer elements, the same picture. MathJax wraps each MathML node in a <g data-mml-node>;
// a <g> with no other attribute draws nothing of its own, so its children take its place,
// and a <g> that only moves (transform) one glyph (<use>) hands the move to the glyph.
// Not the nodes MathJax's stylesheet selects by name (tables, errors, actions), nor
// their children or a table row's children: its child combinators (e.g. mtable > g > svg,
// merror > g) must keep matching exactly what they matched. A long chapter page has about
// a sixth fewer elements: lighter for the browser (style, layout) and the accessibility checks.
const STYLED = new Set(['mtable', 'merror', 'maction']);
const KEEP_CHILDREN = new Set([...STYLED, 'mtr', 'mlabeledtr']);
function flatten(adaptor, node) {
  for (const child of [...adaptor.childNodes(node)]) {
    if (!adaptor.kind(child).startsWith('#')) flatten(adaptor, child);
  }
  if (adaptor.kind(node) === 'g' && KEEP_CHILDREN.has(adaptor.getAttribute(node, 'data-mml-node'))) return;
  for (const child of [...adaptor.childNodes(node)]) {
    if (adaptor.kind(child) !== 'g') continue;
    const names = adaptor.allAttributes(child).map((a) => a.name);
    const kind = adaptor.getAttribute(child, 'data-mml-node');
    if (!kind || STYLED.has(kind)) continue;
    if (names.length === 1) {
      for (const grandchild of [...adaptor.childNodes(child)]) adaptor.insert(grandchild, child);
      adaptor.remove(child);
      continue;
    }
    const only = adaptor.childNodes(child);
    if (names.length === 2 && names.includes('transform') && only.length === 1 && adaptor.kind(only[0]) === 'use'
        && !['transform', 'x', 'y'].some((name) => adaptor.getAttribute(only[0], name) !== null && adaptor.getAttribute(only[0], name) !== undefined)) {
      adaptor.setAttribute(only[0], 'transform', adaptor.getAttribute(child, 'transform'));
      adaptor.insert(only[0], child);
      adaptor.remove(child);
    }
  }
}

async function main() {
  const request = JSON.parse(readFileSync(0, 'utf8'));
  const MathJax = await require('mathjax').init({
    // input/tex is what the site's tex-chtml.js holds (base, ams, newcommand,
    // configmacros, noundefined, require, autoload); other packages autoload as there.
    loader: {load: ['input/tex', 'output/svg', 'a11y/assistive-mml']},
    tex: {macros: request.macros || {}},
    svg: {fontCache: request.fontCache || 'global'},
    startup: {typeset: false},
  });
  const adaptor = MathJax.startup.adaptor;
  const output = MathJax.startup.output;
  const result = {version: MathJax.version, pages: [], errors: []};
  for (const [pageIndex, page] of request.pages.entries()) {
    output.fontCache.clearCache();  // the glyphs of this page only
    MathJax.startup.document.reset();
    const html = [];
    for (const [itemIndex, item] of page.items.entries()) {
      const node = await MathJax.tex2svgPromise(item.tex, {display: item.display});
      // Focusable, as MathJax made it in the browser: the menu opens from the keyboard too.
      adaptor.setAttribute(node, 'tabindex', '0');
      for (const svg of adaptor.tags(node, 'svg')) flatten(adaptor, svg);
      const markup = adaptor.outerHTML(node);
      const error = markup.match(/data-mjx-error="([^"]*)"/);
      if (error) result.errors.push({page: pageIndex, item: itemIndex, tex: item.tex, message: error[1]});
      html.push(withTexAnnotation(markup, item.tex));
    }
    const global = output.options.fontCache === 'global';
    const defs = global ? `<svg id="course-math-glyphs" xmlns="http://www.w3.org/2000/svg" style="display: none;" aria-hidden="true">${adaptor.outerHTML(output.fontCache.getCache())}</svg>` : '';
    result.pages.push({css: adaptor.textContent(MathJax.svgStylesheet()), defs, html});
  }
  process.stdout.write(JSON.stringify(result));
}

main().catch((error) => {
  process.stderr.write(`prerender.mjs: ${error && error.stack || error}\n`);
  process.exit(1);
});

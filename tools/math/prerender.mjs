// Typeset the site's TeX at build time: MathJax 3 (the npm package `mathjax`,
// the same version 3.2.2 that the site serves in _static/mathjax) running in Node.
//
// Called once per build by tools/prerender_math.py with, on stdin, JSON
//   {"macros": {...}, "fontURL": "...", "pages": [{"items": [{"tex": "...", "display": true}, ...]}, ...]}
// and writes to stdout JSON
//   {"version": "3.2.2", "pages": [{"css": "...", "html": ["<mjx-container ...>", ...]}, ...],
//    "errors": [{"page": 0, "item": 3, "tex": "...", "message": "Missing close brace"}]}
//
// Each formula becomes MathJax's CommonHTML output (the same markup the browser
// produced before) with its assistive MathML (`mjx-assistive-mml`, what screen
// readers read), in which the TeX source is kept as a MathML annotation
// (`<annotation encoding="application/x-tex">`). Each page gets the stylesheet
// of only the characters it uses (MathJax's adaptive CSS), with `fontURL`
// pointing at the woff fonts the site serves. Nothing is fetched.
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

async function main() {
  const request = JSON.parse(readFileSync(0, 'utf8'));
  const MathJax = await require('mathjax').init({
    // input/tex is what the site's tex-chtml.js holds (base, ams, newcommand,
    // configmacros, noundefined, require, autoload); other packages autoload as there.
    loader: {load: ['input/tex', 'output/chtml', 'a11y/assistive-mml']},
    tex: {macros: request.macros || {}},
    chtml: {fontURL: request.fontURL, adaptiveCSS: true},
    startup: {typeset: false},
  });
  const adaptor = MathJax.startup.adaptor;
  const output = MathJax.startup.output;
  const result = {version: MathJax.version, pages: [], errors: []};
  for (const [pageIndex, page] of request.pages.entries()) {
    output.clearCache();          // the stylesheet of this page holds only its own characters
    MathJax.startup.document.reset();
    const html = [];
    for (const [itemIndex, item] of page.items.entries()) {
      const node = await MathJax.tex2chtmlPromise(item.tex, {display: item.display});
      // Focusable, as MathJax made it in the browser: the menu opens from the keyboard too.
      adaptor.setAttribute(node, 'tabindex', '0');
      const markup = adaptor.outerHTML(node);
      const error = markup.match(/data-mjx-error="([^"]*)"/);
      if (error) result.errors.push({page: pageIndex, item: itemIndex, tex: item.tex, message: error[1]});
      html.push(withTexAnnotation(markup, item.tex));
    }
    result.pages.push({css: adaptor.textContent(MathJax.chtmlStylesheet()), html});
  }
  process.stdout.write(JSON.stringify(result));
}

main().catch((error) => {
  process.stderr.write(`prerender.mjs: ${error && error.stack || error}\n`);
  process.exit(1);
});

/* The site's math is typeset at build time (tools/prerender_math.py): this
 * script does not typeset anything on load. It gives back what MathJax in
 * the browser offered on top of the rendering:
 *
 * - the MathJax menu (Show Math As TeX/MathML, Copy to Clipboard, zoom,
 *   accessibility settings) on a right-click, the context-menu key or
 *   Shift+F10 on a formula: only then is the site's MathJax
 *   (_static/mathjax/tex-svg.js, the output of the build; path in this script's data-mathjax) loaded,
 *   and the formula is typeset again from its TeX so that MathJax owns it;
 * - copying a selection that holds formulas copies their TeX source
 *   ($…$ inline, $$…$$ displayed) instead of the MathML's text.
 *
 * The TeX of each formula is the MathML annotation that the build keeps in
 * its assistive MathML (<annotation encoding="application/x-tex">).
 */
(function () {
  "use strict";
  var me = document.currentScript;
  var mathjaxSrc = me && me.getAttribute("data-mathjax");
  var loading = null;

  function texOf(container) {
    var note = container.querySelector('annotation[encoding="application/x-tex"]');
    return note ? note.textContent : null;
  }

  function isLive(container) {
    return container.hasAttribute("ctxtmenu_counter");
  }

  function loadMathJax() {
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = mathjaxSrc;
        script.async = true;
        script.onload = function () { window.MathJax.startup.promise.then(resolve, reject); };
        script.onerror = function () { reject(new Error("could not load " + mathjaxSrc)); };
        document.head.appendChild(script);
      });
    }
    return loading;
  }

  function openMenu(container, x, y) {
    var tex = texOf(container);
    if (tex === null || !mathjaxSrc) return;
    var display = container.getAttribute("display") === "true";
    loadMathJax().then(function () {
      var holder = container.parentNode;
      var text = document.createTextNode(display ? "\\[" + tex + "\\]" : "\\(" + tex + "\\)");
      holder.replaceChild(text, container);
      return window.MathJax.typesetPromise([holder]).then(function () {
        var live = holder.querySelector("mjx-container");
        if (!live) return;
        live.focus();
        live.dispatchEvent(new MouseEvent("contextmenu", {bubbles: true, cancelable: true, clientX: x, clientY: y}));
      });
    }).catch(function (error) { console.info("MathJax menu unavailable: " + error); });
  }

  document.addEventListener("contextmenu", function (event) {
    var container = event.target.closest && event.target.closest("mjx-container");
    if (!container || isLive(container) || texOf(container) === null) return;
    event.preventDefault();
    openMenu(container, event.clientX, event.clientY);
  });

  document.addEventListener("keydown", function (event) {
    var container = event.target.closest && event.target.closest("mjx-container");
    if (!container || isLive(container)) return;
    if (event.key === "ContextMenu" || (event.shiftKey && event.key === "F10")) {
      event.preventDefault();
      var box = container.getBoundingClientRect();
      openMenu(container, box.left + 4, box.bottom);
    }
  });

  document.addEventListener("copy", function (event) {
    var selection = document.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return;
    var range = selection.getRangeAt(0).cloneRange();
    var ends = [[range.startContainer, "setStartBefore"], [range.endContainer, "setEndAfter"]];
    ends.forEach(function (end) {
      var node = end[0].nodeType === 1 ? end[0] : end[0].parentNode;
      var container = node && node.closest && node.closest("mjx-container");
      if (container) range[end[1]](container);
    });
    var fragment = range.cloneContents();
    var containers = fragment.querySelectorAll("mjx-container");
    if (containers.length === 0) return;
    containers.forEach(function (container) {
      var tex = texOf(container);
      if (tex === null) return;
      var display = container.getAttribute("display") === "true";
      container.replaceWith(document.createTextNode(display ? "$$" + tex + "$$" : "$" + tex + "$"));
    });
    var box = document.createElement("div");
    box.style.cssText = "position:fixed;left:-10000px;top:0;white-space:pre-wrap";
    box.appendChild(fragment);
    document.body.appendChild(box);
    var text = box.innerText;
    document.body.removeChild(box);
    event.clipboardData.setData("text/plain", text);
    event.preventDefault();
  });
})();

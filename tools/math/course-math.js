/* The site's math is typeset at build time (tools/prerender_math.py): this
 * script does not typeset anything on load. It gives back what MathJax in
 * the browser offered on top of the rendering:
 *
 * - the MathJax menu (Show Math As TeX/MathML, Copy to Clipboard, zoom,
 *   accessibility settings) on a right-click, the context-menu key or
 *   Shift+F10 on a formula: only then is the site's MathJax
 *   (_static/mathjax/tex-svg.js, the output of the build; path in this script's data-mathjax) loaded,
 *   and the formula is typeset again from its TeX so that MathJax owns it;
 * - MathJax's zoom: once a reader has chosen a zoom trigger in the menu (Math
 *   Settings > Zoom Trigger: Click or Double-Click; MathJax keeps it in
 *   localStorage), that click on any formula zooms it, the same way;
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

  /* MathJax typesets the formula again from its TeX, so that it owns it; resolves to the new container. */
  function takeOver(container) {
    var tex = texOf(container);
    var display = container.getAttribute("display") === "true";
    return loadMathJax().then(function () {
      var holder = container.parentNode;
      var text = document.createTextNode(display ? "\\[" + tex + "\\]" : "\\(" + tex + "\\)");
      holder.replaceChild(text, container);
      return window.MathJax.typesetPromise([holder]).then(function () {
        var live = holder.querySelector("mjx-container");
        if (!live) throw new Error("MathJax did not typeset " + tex);
        return live;
      });
    });
  }

  function openMenu(container, x, y) {
    if (texOf(container) === null || !mathjaxSrc) return;
    takeOver(container).then(function (live) {
      live.focus();
      live.dispatchEvent(new MouseEvent("contextmenu", {bubbles: true, cancelable: true, clientX: x, clientY: y}));
    }).catch(function (error) { console.info("MathJax menu unavailable: " + error); });
  }

  /* MathJax's zoom: the trigger a reader chose in the menu (Math Settings > Zoom Trigger), which
   * MathJax keeps in localStorage, applies to every formula, also to those it does not own yet. */
  function zoomSettings() {
    var mj = window.MathJax;
    if (mj && mj.startup && mj.startup.document && mj.startup.document.menu) return mj.startup.document.menu.settings;
    try { return JSON.parse(localStorage.getItem("MathJax-Menu-Settings") || "{}"); } catch (error) { return {}; }
  }

  function isZoomEvent(event, trigger) {
    var s = zoomSettings();
    return s.zoom === trigger && (!s.alt || event.altKey) && (!s.ctrl || event.ctrlKey) &&
      (!s.cmd || event.metaKey) && (!s.shift || event.shiftKey);
  }

  [["click", "Click"], ["dblclick", "DoubleClick"]].forEach(function (pair) {
    document.addEventListener(pair[0], function (event) {
      var container = event.target.closest && event.target.closest("mjx-container");
      if (!container || isLive(container) || texOf(container) === null || !mathjaxSrc) return;
      if (!isZoomEvent(event, pair[1])) return;
      event.preventDefault();
      takeOver(container).then(function (live) {
        live.dispatchEvent(new MouseEvent(pair[0], {
          bubbles: true, cancelable: true, clientX: event.clientX, clientY: event.clientY,
          altKey: event.altKey, ctrlKey: event.ctrlKey, metaKey: event.metaKey, shiftKey: event.shiftKey,
        }));
      }).catch(function (error) { console.info("MathJax zoom unavailable: " + error); });
    });
  });

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

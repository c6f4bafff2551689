// Every page of the site (added by book/_ext/course_site.py, deferred).
//
// Tooltips stay inside the landmark of the button they describe. Bootstrap appends a
// tooltip to <body> by default, outside every landmark, so the "Color mode" tooltip
// that shows while the pointer rests on the theme button broke axe's `region` rule.
// The theme creates its tooltips when scripts/bootstrap.js runs, after this deferred
// script, and Bootstrap reads `data-bs-container` (a selector) at that moment.
(() => {
  const LANDMARK = 'main, header, nav, aside, footer, [role="main"], [role="banner"], [role="navigation"], '
    + '[role="complementary"], [role="contentinfo"], [role="search"], [role="region"], '
    + 'section[aria-label], section[aria-labelledby]';  // a named <section> is a region landmark
  let count = 0;
  for (const trigger of document.querySelectorAll('[data-bs-toggle="tooltip"]:not([data-bs-container])')) {
    const landmark = trigger.closest(LANDMARK);
    if (!landmark) continue;
    if (!landmark.id) landmark.id = `course-landmark-${++count}`;
    trigger.setAttribute('data-bs-container', `#${CSS.escape(landmark.id)}`);
  }
})();

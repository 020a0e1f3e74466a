// sections.js - the page's section registry. A section is a module that
// owns one part of the page and is redrawn with everything else:
//   registerSection({ id, init(ctx), render(ctx) })
// init runs once (when the page starts, or at registration if later) and
// render after every change: a new sample, a new range, a stale state. ctx
// (see app.js, makeContext) carries the newest snapshot, whether the numbers
// are stale, the charted view (ctx.view, with ctx.series(get) for a chart
// line with its min-max band), labelled gaps and events, and ctx.chart(el,
// opts) to make a chart that shares the crosshair and drag-to-zoom. The
// plugins table and the system section are sections; an "Application"
// section adds a module that registers itself, a <script type="module"> tag
// in index.html and its markup under #extra-sections.

export const sections = [];
let context = null;

export function registerSection(section) {
  sections.push(section);
  if (context && section.init) section.init(context);
}

/** Called by app.js once the page is ready to draw. */
export function startSections(ctx) {
  context = ctx;
  for (const s of sections) if (s.init) s.init(ctx);
}

export function renderSections(ctx) {
  context = ctx;
  for (const s of sections) {
    try {
      s.render(ctx);
    } catch (err) {
      console.error(`section ${s.id}: ${err.message}`);
    }
  }
}

// The explorer's graph view: an SVG drawn by Graphviz, with pan (drag), zoom (wheel, buttons)
// and a click on a node sent back to the app (its DOT name). Plain JS run by Streamlit in the
// page itself (st.components.v2: no iframe, no build step, nothing fetched).
const views = new WeakMap();  // the parent element of each view on the page: its state

function setUp(parentElement, setTriggerValue) {
  const frame = document.createElement("div");
  frame.className = "aw-graph";
  frame.innerHTML = '<div class="aw-tools"><button data-zoom="in" title="zoom in">+</button>' +
    '<button data-zoom="out" title="zoom out">−</button><button data-zoom="fit" title="fit the graph">fit</button></div>' +
    '<div class="aw-hint">drag to pan · wheel to zoom · click a node for its card</div><div class="aw-canvas"></div>';
  parentElement.appendChild(frame);
  const state = {frame: frame, canvas: frame.querySelector(".aw-canvas"), svg: null, view: null, full: null,
                 lastSvg: null, start: null, moved: false, send: setTriggerValue};
  const apply = () => { if (state.svg && state.view) state.svg.setAttribute("viewBox", state.view.join(" ")); };
  state.apply = apply;
  const zoom = (factor, cx, cy) => {
    if (!state.view) return;
    const [x, y, w, h] = state.view;
    cx = cx === undefined ? x + w / 2 : cx; cy = cy === undefined ? y + h / 2 : cy;
    state.view = [cx - (cx - x) * factor, cy - (cy - y) * factor, w * factor, h * factor]; apply();
  };
  frame.querySelector('[data-zoom="in"]').onclick = () => zoom(1 / 1.3);
  frame.querySelector('[data-zoom="out"]').onclick = () => zoom(1.3);
  frame.querySelector('[data-zoom="fit"]').onclick = () => { if (state.full) { state.view = state.full.slice(); apply(); } };
  frame.addEventListener("mousedown", event => {
    if (!state.svg || event.target.tagName === "BUTTON") return;
    state.start = [event.clientX, event.clientY, state.view.slice()]; state.moved = false; frame.classList.add("dragging");
  });
  const move = event => {
    if (!state.start) return;
    const [x0, y0, view] = state.start, dx = event.clientX - x0, dy = event.clientY - y0;
    if (Math.abs(dx) + Math.abs(dy) > 3) state.moved = true;
    const box = state.svg.getBoundingClientRect(), scale = Math.max(view[2] / box.width, view[3] / box.height);
    state.view = [view[0] - dx * scale, view[1] - dy * scale, view[2], view[3]]; apply();
  };
  const up = () => { state.start = null; frame.classList.remove("dragging"); setTimeout(() => state.moved = false, 0); };
  window.addEventListener("mousemove", move);
  window.addEventListener("mouseup", up);
  frame.addEventListener("wheel", event => {
    if (!state.svg) return;
    event.preventDefault();
    const box = state.svg.getBoundingClientRect(), v = state.view;
    zoom(event.deltaY > 0 ? 1.15 : 1 / 1.15, v[0] + (event.clientX - box.left) / box.width * v[2],
         v[1] + (event.clientY - box.top) / box.height * v[3]);
  }, {passive: false});
  state.cleanUp = () => { window.removeEventListener("mousemove", move); window.removeEventListener("mouseup", up); };
  return state;
}

function draw(state, svgText, wanted) {
  state.lastSvg = svgText;
  state.canvas.innerHTML = svgText;
  const svg = state.svg = state.canvas.querySelector("svg");
  if (!svg) return;
  const box = svg.viewBox.baseVal;
  state.full = [box.x, box.y, box.width, box.height];
  // as tall as the graph at its natural size, up to the height given; wider or taller graphs
  // open at a readable scale from the top, to be panned (or fitted with "fit")
  const width = state.frame.clientWidth || 600, scale = Math.min(4 / 3, width / state.full[2]);
  const height = Math.max(120, Math.min(wanted, Math.ceil(state.full[3] * scale) + 8));
  state.frame.style.height = height + "px";
  svg.removeAttribute("width"); svg.removeAttribute("height");
  svg.setAttribute("width", "100%"); svg.setAttribute("height", height + "px");
  svg.setAttribute("preserveAspectRatio", "xMidYMin meet");
  state.view = [state.full[0] + (state.full[2] - width / scale) / 2, state.full[1], width / scale, height / scale];
  state.apply();
  svg.querySelectorAll("g.node").forEach(node => {
    node.addEventListener("click", event => {
      if (state.moved) return;
      const title = node.querySelector("title");
      if (title) state.send("clicked", title.textContent);
      event.stopPropagation();
    });
  });
}

export default function (component) {
  const {parentElement, data, setTriggerValue} = component;
  let state = views.get(parentElement);
  if (!state) { state = setUp(parentElement, setTriggerValue); views.set(parentElement, state); }
  state.send = setTriggerValue;
  if (data && data.svg !== state.lastSvg) draw(state, data.svg, data.height || 400);
  return () => { state.cleanUp(); views.delete(parentElement); };
}

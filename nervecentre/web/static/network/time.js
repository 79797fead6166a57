// The dates of the links and the time slider.
import { $, state } from "./state.js";
import { redraw } from "./draw.js";

export function collectDates() {
  const days = new Set();
  state.graph.forEachEdge((_e, a) => { if (a.date) days.add(a.date.slice(0, 7)); });
  state.dates = [...days].sort();
  const slider = $("time-slider");
  slider.max = Math.max(state.dates.length - 1, 0);
  slider.value = slider.max;
  slider.setAttribute("aria-valuetext", state.dates.length ? `up to ${state.dates[state.dates.length - 1]}` : "all dates");
  $("slider-out").textContent = "the latest";
}

export function onSlider() {
  const month = state.dates[Number($("time-slider").value)];
  if (!month) return;
  const [y, m] = month.split("-").map(Number);
  const last = new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
  $("until").value = last;
  $("slider-out").textContent = month;
  $("time-slider").setAttribute("aria-valuetext", `up to ${month}`);
  redraw();
}

// The room's countdown: the kernel sends the seconds left and whether the clock runs; the browser
// counts down by itself (no message a second), from the moment the value arrived, so a laptop
// whose clock is wrong still shows the right time. Past zero it counts the overrun.
function shown(seconds) {
  const over = seconds < 0;
  const whole = Math.floor(Math.abs(seconds) + (over ? 0 : 0.999));
  const text = `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
  return over ? `+${text}` : text;
}

export default {
  render({ model, el }) {
    el.classList.add("kit-countdown", `kit-countdown-${model.get("size")}`);
    const title = document.createElement("p");
    title.className = "kit-countdown-block";
    const clock = document.createElement("p");
    clock.className = "kit-countdown-time";
    clock.setAttribute("role", "timer");
    const next = document.createElement("p");
    next.className = "kit-countdown-next";
    el.append(title, clock, next);
    let arrived = performance.now();
    const draw = () => {
      const running = model.get("running");
      const left = model.get("seconds") - (running ? (performance.now() - arrived) / 1000 : 0);
      clock.textContent = shown(left);
      clock.classList.toggle("kit-over", left < 0);
      clock.classList.toggle("kit-paused", !running);
      clock.setAttribute("aria-label", `${left < 0 ? "Over time by" : "Time left:"} ${shown(left).replace("+", "")}` +
                                        (running ? "" : ", paused"));
      title.textContent = model.get("block");
      next.textContent = model.get("next") ? `Next: ${model.get("next")}` : "";
    };
    const reset = () => { arrived = performance.now(); draw(); };
    model.on("change:seconds", reset);
    model.on("change:running", reset);
    model.on("change:stamp", reset);
    model.on("change:block", draw);
    model.on("change:next", draw);
    draw();
    const timer = setInterval(draw, 250);
    return () => clearInterval(timer);
  },
};

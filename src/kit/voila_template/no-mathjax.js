/* The kit's stand-in for MathJax (kit.serve.voila_command gives Voila this file as its MathJax URL).
   With no MathJax URL Voila's front end typesets with its bundled MathJax 3, which it fetches on the
   first label or description drawn: 16 chunks, 0.9 MB of JavaScript compiled and run on every page
   open, while the page draws its questions. The kit writes no mathematics, and a typeset would turn
   a team's "$5 or $10" into formulas. Voila's MathJax 2 loader loads this file instead and calls
   only these; they do nothing. */
window.MathJax = {
  Hub: { Config() {}, Configured() {}, Queue() {}, Register: { StartupHook() {} } },
  Ajax: {},
  InputJax: { TeX: { resetEquationNumbers() {} } },
};

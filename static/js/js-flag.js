// Marks the page as scripted before it paints (.js-only / .nojs-only in sigap.css); a file, not inline, for the CSP.
document.documentElement.classList.add("js");

export const realTimers = {
    setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
    clearTimeout: (h) => clearTimeout(h),
};
//# sourceMappingURL=timers.js.map
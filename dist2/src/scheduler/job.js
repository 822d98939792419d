export function jobId(checkId, dueAt) {
    return `${checkId}-${dueAt}`;
}
//# sourceMappingURL=job.js.map
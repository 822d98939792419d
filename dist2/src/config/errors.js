export function formatIssue(issue) {
    const where = issue.line !== undefined ? `${issue.file}:${issue.line}${issue.column !== undefined ? `:${issue.column}` : ''}` : issue.file;
    return issue.path ? `${where}: ${issue.path}: ${issue.message}` : `${where}: ${issue.message}`;
}
export class ConfigError extends Error {
    issues;
    name = 'ConfigError';
    constructor(issues) {
        super(issues.map(formatIssue).join('\n'));
        this.issues = issues;
    }
}
export function formatPath(path) {
    let out = '';
    for (const seg of path)
        out += typeof seg === 'number' ? `[${seg}]` : out ? `.${seg}` : seg;
    return out;
}
//# sourceMappingURL=errors.js.map
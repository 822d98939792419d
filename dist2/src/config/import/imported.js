export function seconds(value) {
    return Number.isInteger(value) ? `${value}s` : `${Math.round(value * 1000)}ms`;
}
/** Known service names in `host:name` ports (ldirectord takes getservbyname names). */
export const SERVICE_PORTS = {
    ftp: 21, ssh: 22, smtp: 25, domain: 53, dns: 53, http: 80, www: 80, pop3: 110, pop: 110, nntp: 119, imap: 143, imap2: 143, ldap: 389,
    https: 443, submission: 587, ldaps: 636, imaps: 993, pop3s: 995, pops: 995, mysql: 3306, postgresql: 5432, pgsql: 5432, sip: 5060, radius: 1812, oracle: 1521,
};
//# sourceMappingURL=imported.js.map
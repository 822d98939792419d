export function defineBalancer(b) {
    return b;
}
//# sourceMappingURL=balancer-kind.js.map
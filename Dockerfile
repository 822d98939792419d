# rsguard: health checks and failover for LVS/IPVS and HAProxy.
FROM node:20-bookworm-slim AS build
WORKDIR /opt/rsguard
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
COPY test ./test
COPY bench ./bench
# The build writes the man pages from docs/ (scripts/build-man.ts) and the check-socket addon (scripts/build-native.ts).
COPY scripts ./scripts
COPY native ./native
COPY docs ./docs
RUN npm ci --no-audit --no-fund && npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ipvsadm && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/rsguard
COPY --from=build /opt/rsguard/node_modules ./node_modules
COPY --from=build /opt/rsguard/dist/src ./dist/src
COPY --from=build /opt/rsguard/dist/man ./dist/man
COPY --from=build /opt/rsguard/dist/native ./dist/native
COPY package.json README.md ./
COPY docs ./docs
COPY examples ./examples
# The heap flags of packaging/rsguard.service (src/process/heap-flags.ts says why).
ENTRYPOINT ["node", "--max-semi-space-size=8", "--heap-growing-percent=35", "/opt/rsguard/dist/src/cli.js"]
CMD ["run", "-c", "/etc/rsguard/rsguard.yaml"]

# The reference host PBX, built from this workspace (see docker-compose.yml).
# Node 26: the current LTS line; `npm test` runs the packages' tests on it (scripts/test-packages.sh) and
# scripts/check-dockerfile.ts runs these very steps on it.

# Build stage: every dependency, then the packages (libs/*/dist) and the host (dist/apps).
FROM node:26-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY libs/microsoft365/package.json libs/microsoft365/
COPY libs/m365-emulator/package.json libs/m365-emulator/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY libs libs
COPY apps apps
RUN npm run build

# Run stage: production dependencies of the host and of @pbx/microsoft365 only, and the compiled code.
FROM node:26-slim
# tini as PID 1 passes SIGTERM on to node and reaps zombies, so `docker stop` shuts the PBX down cleanly.
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
# glibc gives each thread that allocates its own malloc arena and keeps freed memory in it: with V8's helper
# threads and libuv's pool that held ~115 MB more resident in a 100,000-user sync (410 MB against 295 MB,
# README "Targets of issue 20"). Two arenas are what Node needs.
ENV MALLOC_ARENA_MAX=2
WORKDIR /app
COPY package.json package-lock.json ./
COPY libs/microsoft365/package.json libs/microsoft365/
COPY libs/m365-emulator/package.json libs/m365-emulator/
RUN npm ci --omit=dev --workspace=@pbx/microsoft365 --include-workspace-root --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/libs/microsoft365/dist libs/microsoft365/dist
COPY --from=build /app/dist/apps dist/apps
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/api/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/apps/pbx-host/src/main.js"]

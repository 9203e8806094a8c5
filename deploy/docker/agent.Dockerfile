# syntax=docker/dockerfile:1.7
# lanyard-agent image. Build from the repository root:
#   docker build -f deploy/docker/agent.Dockerfile -t lanyard/agent:0.1.0 .
ARG NODE_IMAGE=node:20-bookworm-slim

# --- build: compile TypeScript and the native modules (better-sqlite3, the SO_PEERCRED addon in peercred/) ---
FROM ${NODE_IMAGE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN npm ci --no-audit --no-fund \
 && npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf .git bench docs deploy e2e */test attestors/*/test */src attestors/*/src \
 && find . -name '*.tsbuildinfo' -delete

# --- runtime: the built tree only, no compiler ---
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /opt/lanyard
COPY --from=build /src /opt/lanyard
# The agent reads other processes' /proc entries (hostPID), so it runs as root in its container; the
# DaemonSet drops every capability except DAC_READ_SEARCH and SYS_PTRACE.
USER 0:0
EXPOSE 9982
ENTRYPOINT ["node", "/opt/lanyard/agent/dist/cli/main.js"]
CMD ["run", "-config", "/run/lanyard/config/agent.conf"]

# syntax=docker/dockerfile:1
# coze-loop image: the service (default command) and the CLI (`docker run IMAGE --diff main`, or `coze-loop ...` in a
# GitLab CI job with `image: <registry>/coze-loop:<tag>`; bin/docker-entrypoint.sh tells them apart). The RUN steps are the commands CI runs (.ci/run: `npm ci`, which builds through the
# `prepare` script), so a green CI run also proves this build; test/server/dockerfile.test.ts keeps them in step.

# ---- build: full dependencies, TypeScript -> dist/ ----
FROM node:22-bookworm-slim AS build
# node-gyp compiles the native tree reader (native/flat_tree.c) during `npm ci`: it needs Python, make and a C compiler.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# As in CI: a reader that fails to build fails the image instead of silently shipping the slower fallback.
ENV COZE_LOOP_REQUIRE_NATIVE=1
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY scripts ./scripts
COPY native ./native
COPY src ./src
# The build validates the shipped YAML (rules, API files, texts) into dist/*.json (scripts/compile-data.js).
COPY rules ./rules
COPY templates ./templates
# The playground page (web/), bundled into dist/web by scripts/build-web.js.
COPY web ./web
# Same command as CI: installs everything and builds the reader, dist/ and the compiled data through `prepare`.
RUN npm ci --no-audit --no-fund

# ---- runtime: production dependencies only, non-root, tini as PID 1 ----
FROM node:22-bookworm-slim AS runtime
# git: the CLI's `--diff BASE` and `coze-loop review --base` read the job's clone; ca-certificates: git over https.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini git ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would run tsc (a dev dependency); dist/ comes from the build stage instead.
# tree-sitter and its grammars load their bundled linux-x64/arm64 prebuilds, and the tree reader comes from the build
# stage, so no install script is needed.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund
COPY --from=build /app/dist ./dist
COPY --from=build /app/native/build/Release/coze_loop_flat_tree.node ./native/build/Release/coze_loop_flat_tree.node
COPY bin ./bin
COPY rules ./rules
COPY templates ./templates
COPY app.yml ./
# `coze-loop` on PATH for CI job scripts; GitLab clones into a directory owned by another user, which git refuses to
# read unless told it is safe.
RUN ln -s /app/bin/coze-loop.js /usr/local/bin/coze-loop \
 && git config --system --add safe.directory '*'
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# tini forwards SIGTERM to node and reaps zombies, so `docker stop` triggers the graceful shutdown. The entry point
# script runs the CMD below (the service), hands options, PATHs and subcommands to the CLI, and runs any other
# program as it is (GitLab CI's shell).
ENTRYPOINT ["/usr/bin/tini", "--", "/app/bin/docker-entrypoint.sh"]
CMD ["node", "dist/src/server/main.js"]

#!/bin/sh
# Entry point of the coze-loop image (Dockerfile), one image for three uses:
#   docker run IMAGE                        the service (the image's CMD: node dist/src/server/main.js)
#   docker run IMAGE --diff main ...        the CLI: options, PATHs and subcommands go to `coze-loop`
#   docker run IMAGE review --fail-on none  (review, rules, explain, init, summary)
#   image: IMAGE in GitLab CI               the runner starts a shell (`sh -c ...`): commands are run as they are,
#                                           so job scripts call `coze-loop` (on PATH in the image)
set -eu
app=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
cli="$app/bin/coze-loop.js"

if [ "$#" -eq 0 ]; then
  exec node "$cli"
fi
case "$1" in
  serve)
    shift
    exec node "$app/dist/src/server/main.js" "$@"
    ;;
  coze-loop)
    shift
    exec node "$cli" "$@"
    ;;
  -*|review|rules|explain|init|summary)
    exec node "$cli" "$@"
    ;;
esac
# A program (sh, bash, node, git, ...): GitLab CI's shell, `docker run IMAGE sh`, or the service's CMD.
if command -v -- "$1" >/dev/null 2>&1; then
  exec "$@"
fi
# Anything else is a PATH to analyse.
exec node "$cli" "$@"

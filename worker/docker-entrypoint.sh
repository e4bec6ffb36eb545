#!/bin/sh
# `leadflow <role>` in the image: the compiled CLI, plus `migrate` (Prisma's migrate deploy).
# exec: node is the container's main process and gets `docker stop`'s SIGTERM itself.
set -e
cd /app
if [ "${1:-}" = "migrate" ]; then
  exec node node_modules/prisma/build/index.js migrate deploy --config prisma/prisma.config.ts
fi
exec node dist/cli/leadflow.js "$@"

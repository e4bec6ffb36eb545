#!/usr/bin/env bash
# `npm run build`: the production build in dist/ — compiled JavaScript (tsc), the mail templates the
# renderer reads at run time, and the pre-bundled workflows (dist/workflow-bundle.js, picked up by
# `node dist/cli/leadflow.js worker` without WORKFLOW_BUNDLE). Nothing is compiled or bundled at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf dist
node node_modules/typescript/bin/tsc -p tsconfig.build.json
# domain/mail/render.ts reads <its dir>/../../templates: dist/templates for the compiled code.
cp -r templates dist/templates
node dist/scripts/build-workflows.js dist/workflow-bundle.js

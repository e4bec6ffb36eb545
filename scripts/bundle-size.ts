import { bundleWorkflowCode } from '@temporalio/worker';
(async () => {
  const t = Date.now();
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows') });
  console.log('bundle bytes', code.length, 'ms', Date.now() - t);
  for (const bad of ['zod', 'prisma', 'luxon']) console.log(bad, code.includes(`node_modules/${bad}`));
})();

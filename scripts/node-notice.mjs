// `npm install`'s preinstall: when npm itself runs on a Node older than the repo needs, says once
// that the install brings its own Node 24, which every npm script runs on. The script may already
// run on that Node 24 (npm puts node_modules/.bin first), so npm's own Node is read from its user
// agent ("npm/11.19.1 node/v20.20.2 linux x64 ..."). Plain JavaScript, so any Node runs it.
const npmNode = /\bnode\/v(\d+)\.\S*/.exec(process.env.npm_config_user_agent ?? '');
if (npmNode && Number(npmNode[1]) < 22) {
  console.log(
    `ratchet: npm runs on Node ${npmNode[0].slice('node/'.length)}; the install brings Node 24 (node_modules/.bin/node), and npm start, npm test and every other npm script run on it.`,
  );
}

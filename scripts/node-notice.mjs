// `npm install`'s preinstall: on a system Node older than the repo needs, says once that the
// install brings its own Node 24, which every npm script runs on. Plain JavaScript, so any Node runs it.
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  console.log(
    `ratchet: this is Node ${process.version}; the install brings Node 24 (node_modules/.bin/node), and npm start, npm test and every other npm script run on it.`,
  );
}

// Usage: node analyze.js FILE...   (photos, videos or ZIP shot sets; prints one verdict per file)
const { Engine } = require('ozinstant');

async function main(files) {
  if (files.length === 0) throw new Error('usage: node analyze.js IMAGE...');
  const engine = new Engine(); // loads ONNX Runtime and the models once
  for (const file of files) {
    const result = await engine.analyze(file); // a path, or a Buffer of image bytes
    const detail = result.reason ? `(${result.reason})` : `confidence_spoofing=${result.confidence_spoofing}`;
    console.log(`${file}: ${result.resolution} ${detail}`);
  }
}

main(process.argv.slice(2)).catch((err) => {
  console.error(`error: ${err.code ?? ''} ${err.message}`);
  process.exit(1);
});

// tfjs-core's Node bundle (dist/tf-core.node.js) ships no gradient functions, and
// its `dist/register_all_gradients.js` is an ES module with extensionless imports
// that Node cannot load. tfjs-layers' bundles (Node: CommonJS, browsers: ESM)
// register every gradient of tfjs-core into tfjs-core's global gradient
// registry as an import side effect, so importing it once makes `tf.grad` and
// `tf.variableGrads` work however `@tikhonov/core` was loaded.
import '@tensorflow/tfjs-layers';
// then core's own Sum and Mean gradients over tfjs's (see there why)
import './reduce-gradients.js';

// CommonJS entry: Node >= 20.19 loads the ES module build with require(), so CommonJS and ESM
// apps share one instance (one trace-field table, one init) instead of two copies of the state.
'use strict';
module.exports = require('../dist/index.js');

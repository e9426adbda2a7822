import { createRequire as __hfuaCreateRequire } from 'node:module'; const require = __hfuaCreateRequire(import.meta.url);
import{VERSION,retry}from"./chunk-NXPKBA4Q.js";import"./chunk-KESSKVUH.js";import"./chunk-6KUN334V.js";import"./chunk-7YJHDTY7.js";export{VERSION,retry};

import { createRequire as __hfuaCreateRequire } from 'node:module'; const require = __hfuaCreateRequire(import.meta.url);
import{context,getOctokit}from"./chunk-HFVQTYIW.js";import"./chunk-YLDRQREN.js";import"./chunk-KESSKVUH.js";import"./chunk-7YJHDTY7.js";export{context,getOctokit};

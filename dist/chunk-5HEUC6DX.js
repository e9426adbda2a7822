import { createRequire as __hfuaCreateRequire } from 'node:module'; const require = __hfuaCreateRequire(import.meta.url);

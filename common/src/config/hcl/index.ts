export { parseHcl, type ParseHclOptions } from './parser';
export { Lexer, type Token, type TokenKind } from './lexer';

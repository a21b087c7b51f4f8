// Helpers for the compiler tests: the source text of a Tonel method as a browser shows it
// (pattern, then body), and the Smalltalk class that checks the in-image compiler against the
// methods the bootstrapper compiled.
import { Lexer, type Token } from '../../build/bootstrap/lexer.ts';
import type { TonelMethod } from '../../build/bootstrap/tonel.ts';

/** `pattern\nbody` of a Tonel method definition (`Class [class] >> pattern [ body ]`). */
export function methodSource(m: TonelMethod): string {
  const lexer = new Lexer(m.file, m.pos);
  let t: Token = lexer.next();
  while (!(t.t === 'binary' && t.v === '>>')) {
    if (t.t === 'eof') throw new Error(`${m.file.path}: no '>>' after ${m.pos}`);
    t = lexer.next();
  }
  const patternStart = t.end;
  while (t.t !== '[') t = lexer.next();
  const open = t;
  let depth = 1;
  let close: Token = t;
  while (depth > 0) {
    t = lexer.next();
    if (t.t === 'eof') throw new Error(`${m.file.path}: unterminated method at ${m.pos}`);
    if (t.t === '[' || t.t === '#[') depth++;
    else if (t.t === ']') depth--;
    close = t;
  }
  const text = m.file.text;
  return `${text.slice(patternStart, open.pos).trim()}\n${text.slice(open.end, close.pos)}`;
}

/** Tonel source of CompilerDifferentialCheck: reads records from the console, recompiles,
 *  compares and prints `compared N same N different N failed N quick N in N ms` (quick: the
 *  identical methods carrying a quick-return primitive, 256-519). */
export function differentialCheckerSource(): string {
  return `Class {
	#name : #CompilerDifferentialCheck,
	#superclass : #Object,
	#category : #'Xenolith-CompilerCheck'
}

{ #category : #running }
CompilerDifferentialCheck class >> main [
	| reader header source compared same different failed quick ms t0 cls sel mine diff space |
	reader := ConsoleLineReader new.
	compared := same := different := failed := quick := ms := 0.
	[(header := reader nextLine) notNil] whileTrue: [
		source := self unescape: reader nextLine.
		space := header size - ((header reverse) indexOf: $ ) + 1.
		sel := (header copyFrom: space + 1 to: header size) asSymbol.
		compared := compared + 1.
		t0 := Time millisecondClockValue.
		mine := [cls := self classFor: (header copyFrom: 1 to: space - 1).
			Compiler compile: source in: cls] on: Error do: [:e |
			Transcript show: 'FAIL ' , header , ': ' , e messageText; cr.
			nil].
		ms := ms + (Time millisecondClockValue - t0).
		mine
			ifNil: [failed := failed + 1]
			ifNotNil: [
				diff := [self diff: mine with: (cls compiledMethodAt: sel) path: '']
					on: Error do: [:e | 'no method to compare with (' , e messageText , ')'].
				diff
					ifNil: [
						same := same + 1.
						(mine primitive between: 256 and: 519) ifTrue: [quick := quick + 1]]
					ifNotNil: [
						different := different + 1.
						Transcript show: 'DIFF ' , header , ': ' , diff; cr]]].
	Transcript show: 'compared ' , compared printString , ' same ' , same printString , ' different ' , different printString ,
		' failed ' , failed printString , ' quick ' , quick printString , ' in ' , ms printString , ' ms'; cr; flush.
	^ 0
]

{ #category : #private }
CompilerDifferentialCheck class >> classFor: aString [
	| meta className cls |
	meta := aString endsWith: ' class'.
	className := meta ifTrue: [aString copyFrom: 1 to: aString size - 6] ifFalse: [aString].
	cls := Smalltalk at: className asSymbol.
	^ meta ifTrue: [cls class] ifFalse: [cls]
]

{ #category : #private }
CompilerDifferentialCheck class >> unescape: aString [
	| out i c |
	out := WriteStream on: (String new: aString size).
	i := 1.
	[i <= aString size] whileTrue: [
		c := aString at: i.
		(c = $\\ and: [i < aString size])
			ifTrue: [
				i := i + 1.
				c := aString at: i.
				out nextPut: (c = $n ifTrue: [Character lf] ifFalse: [c = $r ifTrue: [Character cr] ifFalse: [c]])]
			ifFalse: [out nextPut: c].
		i := i + 1].
	^ out contents
]

{ #category : #comparing }
CompilerDifferentialCheck class >> diff: mine with: theirs path: path [
	"nil when the two methods or blocks are the same code, else what differs."
	| n a b |
	mine class == theirs class ifFalse: [^ path , 'class'].
	mine header = theirs header ifFalse: [^ path , 'header ' , mine header printString , ' vs ' , theirs header printString].
	n := mine numLiterals.
	1 to: n do: [:i |
		a := mine literalAt: i.
		b := theirs literalAt: i.
		((mine isKindOf: CompiledBlock) and: [i = n]) ifTrue: [
			"the outer code: a block's own enclosing method or block"] ifFalse: [
		(a isKindOf: CompiledCode)
			ifTrue: [
				(b isKindOf: CompiledCode) ifFalse: [^ path , 'literal ' , i printString , ' is a block in mine only'].
				(self diff: a with: b path: path , 'block ' , i printString , ' ') ifNotNil: [:d | ^ d]]
			ifFalse: [
				(self literal: a sameAs: b) ifFalse: [^ path , 'literal ' , i printString , ': ' , a printString , ' vs ' , b printString]]]].

	mine initialPC to: (mine size min: theirs size) do: [:i |
		(mine at: i) = (theirs at: i) ifFalse: [^ path , 'byte ' , (i - mine initialPC + 1) printString , ': ' , (mine at: i) printString , ' vs ' , (theirs at: i) printString]].
	mine size = theirs size ifFalse: [^ path , 'size ' , mine size printString , ' vs ' , theirs size printString].
	^ nil
]

{ #category : #comparing }
CompilerDifferentialCheck class >> literal: a sameAs: b [
	(a isKindOf: Association) ifTrue: [^ a == b].
	a class == b class ifFalse: [^ false].
	a isArray ifTrue: [
		a size = b size ifFalse: [^ false].
		a with: b do: [:x :y | (self literal: x sameAs: y) ifFalse: [^ false]].
		^ true].
	^ a = b
]
`;
}

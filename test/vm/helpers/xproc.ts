// The Smalltalk helper the process tests share (node and native): the millisecond clock (135)
// and the timer semaphore (136) reached directly, written as a Tonel package into a directory.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const XPROC_CLASS = `Class {
	#name : #XProc,
	#superclass : #Object,
	#category : #'X-Proc'
}

{ #category : #timing }
XProc class >> ms [
	<primitive: 135>
	^ self primitiveFailed
]

{ #category : #timing }
XProc class >> signal: aSemaphore atMilliseconds: ms [
	<primitive: 136>
	^ self primitiveFailed
]
`;

/** Writes the X-Proc package into `<dir>/p` and answers that directory. */
export function writeXProcPackage(dir: string): string {
  const pkg = join(dir, 'p');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, 'XProc.class.st'), XPROC_CLASS);
  writeFileSync(join(pkg, 'package.st'), "Package { #name : #'X-Proc' }\n");
  return pkg;
}

// The primitive table: Squeak's standard primitive numbers, in one place. Each entry names the
// family file that implements it. A number not listed fails (the method's Smalltalk code runs).
//
//   1-17   SmallInteger + - < > <= >= = ~= * / \\ // quo: bitAnd: bitOr: bitXor: bitShift:  arith.ts
//   18     @ (Point)                                                                     arith.ts
//   19     guard (always fails)
//   20     Integer rem: (any size)                                                       arith.ts
//   21-37  Integer (any size) + - < > <= >= = ~= * / \\ // quo: bitAnd: bitOr: bitXor: bitShift:
//   38/39  Float basicAt: / basicAt:put: (word 1 = most significant)                     arith.ts
//   40     asFloat (SmallInteger, LargeInteger)                                          arith.ts
//   41-59  Float + - < > <= >= = ~= * / truncated fractionPart exponent timesTwoPower:
//          sqrt sin arctan ln exp                                                        arith.ts
//   541-559 the same for SmallFloat64 receivers                                          arith.ts
//   60-64  at: at:put: size stringAt: stringAt:put:                                      objects.ts
//   68/69  CompiledMethod objectAt: objectAt:put:                                        objects.ts
//   70/71  basicNew basicNew:                                                            objects.ts
//   72     becomeForward:   128 become:   248 become: (no hash copy)  249 becomeForward:copyHash:
//   73/74  instVarAt: instVarAt:put:   173/174 slotAt: slotAt:put:                       objects.ts
//   75     identityHash     175 behaviorHash                                             objects.ts
//   79     CompiledMethod class newMethod:header:                                        newmethod.ts
//   77/78  someInstance nextInstance   138/139 someObject nextObject                 enumeration.ts
//   172    fetchMourner (next fired ephemeron)                                      finalization.ts
//   177    allInstances   178 allObjects                                             enumeration.ts
//   83     perform:(with:)*   84 perform:withArguments:   100 ...inSuperclass:           control.ts
//   85-88  Semaphore signal, wait, Process resume, suspend                               process.ts
//   89     flush method cache (also 116, 119)                                            system.ts
//   97     snapshot         113 quit / quit: status                                      system.ts
//   105    replaceFrom:to:with:startingAt:                                               objects.ts
//   110    ==   111 class (1 arg: class of the argument)   169 ~~                        objects.ts
//   117    named primitive (Xenolith console, MiscPrimitivePlugin, LargeIntegers gcd)    system.ts
//   129    specialObjectsOop (the special objects array)                                system.ts
//   130/131 full / incremental GC (answer free bytes)                                    system.ts
//   135    millisecond clock   137 seconds clock   240/241 UTC/local microseconds        process.ts
//   136    signal:atMilliseconds:   242 signal:atUTCMicroseconds:                        process.ts
//   145    constantFill:   148 shallowCopy                                               objects.ts
//   149    getAttribute:   158 compareWith:                                              system.ts
//   167    yield   230 relinquishProcessorForMicroseconds:                               process.ts
//   170    Character value:   171 immediate asInteger                                    objects.ts
//   185-187 Mutex exitCriticalSection enterCriticalSection testAndSetOwnership      process.ts
//   188    withArgs:executeMethod:   189 executeMethod                                    control.ts
//   195-199 unwind/handler helpers: fail (the image's Smalltalk code does the search)
//   201-205 closure value...value:value:value:value:  206 valueWithArguments:            control.ts
//   207-209 full closure value / valueWithArguments: / valueNoContextSwitch              control.ts
//   210-212 Context at: at:put: size                                                     control.ts
//   218    named primitive with explicit module (as 117)
//   221/222 closure valueNoContextSwitch(:)                                              control.ts
//   256-519 quick primitives (return self, constants, instance variables): the interpreter
//
// Named primitives (117 / 218; first literal {#module. #name. 0. 0}), system.ts:
//   Xenolith            primitiveConsoleWrite: bytes       write a byte object to the console
//                       primitiveConsoleWriteError: bytes  the same (the platform has one console)
//                       primitiveConsoleRead: aByteArray   bytes read now: n > 0, 0 none yet, -1 end
//                       primitiveArguments                 the boot arguments as an Array of Strings
//                       primitiveGCD: anInteger            gcd of two Integers of any size
//                       primitiveHighBit                   highBit of a non-negative Integer
//   MiscPrimitivePlugin primitiveCompareString (compare:with:collated: → 1, 2, 3),
//                       primitiveStringHash (stringHash:initialHash:),
//                       primitiveIndexOfAsciiInString, primitiveFindSubstring
//   LargeIntegers       primDigitGCD (as primitiveGCD)

import { primSmallInt, primMakePoint, primInteger, primFloatAt, primAsFloat, primFloat } from "./arith";
import {
  primAt, primAtPut, primSize, primObjectAt, primNew, primInstVarAt, primIdentityHash, primBehaviorHash,
  primIdentical, primClass, primBecome, primReplace, primConstantFill, primShallowCopy, primCharacterValue,
  primImmediateAsInteger,
} from "./objects";
import {
  primSomeObject, primNextObject, primSomeInstance, primNextInstance, primAllInstances, primAllObjects,
} from "./enumeration";
import { primFetchMourner } from "./finalization";
import {
  primPerform, primPerformWithArgs, primClosureValue, primClosureValueWithArgs, primWithArgsExecuteMethod,
  primExecuteMethod, primContextAt, primContextSize,
} from "./control";
import {
  primSignal, primWait, primResume, primSuspend, primYield, primMillisecondClock, primSecondsClock,
  primUTCMicroseconds, primLocalMicroseconds, primSignalAtMilliseconds, primSignalAtUTCMicroseconds, primRelinquish,
  primEnterCriticalSection, primExitCriticalSection, primTestAndSetOwnership,
} from "./process";
import {
  primQuit, primFlushCache, primSpecialObjectsOop, primFullGC, primIncrementalGC, primSnapshot, primCompareWith, primGetAttribute, primNamed,
} from "./system";
import { R } from "../interp/registers";
import { primNewMethod } from "./newmethod";

/** Runs primitive `index` on the stacked receiver and argCount args. True on success (the stack
 *  then holds the result, or a new frame is active); false with R.primFailCode set on failure. */
export function callPrimitive(index: i32, argCount: i32): bool {
  if (index <= 17) return index >= 1 ? primSmallInt(index) : false;
  if (index >= 20 && index <= 37) return primInteger(index);
  if (index >= 41 && index <= 59) return primFloat(index);
  if (index >= 541 && index <= 559) return primFloat(index - 500);
  switch (index) {
    case 18: return primMakePoint();
    case 38: return primFloatAt(false);
    case 39: return primFloatAt(true);
    case 40: return primAsFloat();
    case 60: return primAt(false);
    case 61: return primAtPut(false);
    case 62: return primSize();
    case 63: return primAt(true);
    case 64: return primAtPut(true);
    case 68: return primObjectAt(false);
    case 69: return primObjectAt(true);
    case 70: return primNew(false);
    case 71: return primNew(true);
    case 72: return primBecome(false, true);
    case 79: return primNewMethod();
    case 73: return primInstVarAt(false);
    case 74: return primInstVarAt(true);
    case 75: return primIdentityHash();
    case 77: return primSomeInstance();
    case 78: return primNextInstance();
    case 83: return primPerform();
    case 84: return primPerformWithArgs(false);
    case 85: return primSignal();
    case 86: return primWait();
    case 87: return primResume();
    case 88: return primSuspend();
    case 89: case 116: case 119: return primFlushCache();
    case 97: return primSnapshot();
    case 100: return primPerformWithArgs(true);
    case 105: return primReplace();
    case 110: return primIdentical(false);
    case 111: return primClass();
    case 113: return primQuit();
    case 117: case 218: return primNamed();
    case 128: return primBecome(true, true);
    case 129: return primSpecialObjectsOop();
    case 130: return primFullGC();
    case 131: return primIncrementalGC();
    case 135: return primMillisecondClock();
    case 136: return primSignalAtMilliseconds();
    case 137: return primSecondsClock();
    case 138: return primSomeObject();
    case 139: return primNextObject();
    case 145: return primConstantFill();
    case 148: return primShallowCopy();
    case 149: return primGetAttribute();
    case 158: return primCompareWith();
    case 167: return primYield();
    case 169: return primIdentical(true);
    case 170: return primCharacterValue();
    case 171: return primImmediateAsInteger();
    case 173: return primInstVarAt(false);
    case 174: return primInstVarAt(true);
    case 175: return primBehaviorHash();
    case 172: return primFetchMourner();
    case 177: return primAllInstances();
    case 178: return primAllObjects();
    case 185: return primExitCriticalSection();
    case 186: return primEnterCriticalSection();
    case 187: return primTestAndSetOwnership();
    case 188: return primWithArgsExecuteMethod();
    case 189: return primExecuteMethod();
    case 201: case 202: case 203: case 204: case 205: case 207: case 209: case 221: case 222:
      return primClosureValue();
    case 206: case 208: return primClosureValueWithArgs();
    case 210: return primContextAt(false);
    case 211: return primContextAt(true);
    case 212: return primContextSize();
    case 230: return primRelinquish();
    case 240: return primUTCMicroseconds();
    case 241: return primLocalMicroseconds();
    case 242: return primSignalAtUTCMicroseconds();
    case 248: return primBecome(true, false);
    case 249: return primBecome(false, true);
  }
  R.primFailCode = 1;
  return false;
}

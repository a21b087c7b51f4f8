// The object memory's public API: what the interpreter, the primitives and the image loader
// use. Described in docs/objmem-api.md. 64-bit Spur, OpenSmalltalk's object format.

export * from "./constants";
export {
  isImmediate, isNonImmediate, isSmallInteger, isCharacter, isSmallFloat,
  isIntegerValue, smallIntegerOop, smallIntegerOopChecked, smallIntegerValue,
  isCharacterValue, characterOop, characterValue,
  isSmallFloatValue, smallFloatOop, smallFloatOopChecked, smallFloatValue,
} from "./immediates";
export {
  classIndexOf, rawClassIndexOf, formatOf, rawHashOf, numSlotsOf, rawNumSlotsOf, numBytesOf,
  numElementsOf, numPointerSlotsOf, bytesInObject, headerBytesOf,
  isImmutable, setImmutable, isPinned, isRemembered, isMarked, isGrey,
  isPointersFormat, isBytesFormat, isCompiledMethodFormat, isWeakFormat, isEphemeronFormat,
  fetchPointer, storePointerUnchecked, firstFieldAddress,
  fetchByte, storeByte, fetchShort, storeShort, fetchWord32, storeWord32, fetchLong64, storeLong64,
  isForwarded, followForwarded, methodHeaderOf, literalCountOfHeader,
} from "./header";
export { storePointer, noteStoresInto } from "./barrier";
export {
  nilObj, falseObj, trueObj, specialObjectsOop, hiddenRootsObj, freeListsObj,
  needGCFlag, lowSpaceFlag, pendingFinalizations, scavengeCount, fullGCCount, gcEpoch,
  isYoung, setSpecialObjectsOop, setLowSpace, clearPendingFinalizations,
} from "./state";
export { classAtIndex, enterIntoClassTable, ensureBehaviorHash } from "./classtable";
export {
  allocateSlots, allocateOldObject, instantiateClass, instSpecOfClass, instSizeOfClass,
  setLowSpaceThreshold, LARGE_OBJECT_BYTES, MAX_OBJECT_BYTES,
} from "./allocator";
export {
  pushRemappableOop, popRemappableOop, topRemappableOop, remappableOopCount,
  addRootRange, setRootRangeLength, removeRootRange,
} from "./roots";
export { setMemoryBudget, memoryBudget, bytesInUse } from "./pages";
export { numSegments, segmentStart, segmentSize, setGrowQuantum, isInOldSpace, totalSegmentBytes } from "./segments";
export { freeBytes } from "./freelists";
export {
  initializeObjectMemory, createBareHeap, splObj, fetchClassOf, identityHashOf, isKindOfClassIndex,
  oldSpaceObjectCount,
} from "./heap";
export { scavenge, flushNewSpace } from "./scavenger";
export {
  fullGC, collectIfNeeded, dequeueMourner, mournQueueLength, setCompactionEnabled, setClassTableWeak,
  classesExpunged,
} from "./markcompact";
export {
  becomeForward, becomeTwoWay, pinObject, unpinObject,
  BECOME_OK, PRIM_ERR_BAD_RECEIVER, PRIM_ERR_BAD_ARGUMENT, PRIM_ERR_INAPPROPRIATE,
  PRIM_ERR_NO_MODIFICATION, PRIM_ERR_NO_MEMORY,
} from "./become";
export { firstObject, objectAfter } from "./enumerate";

using System.Runtime.InteropServices;

namespace Tierflow.Interop;

// Raw imports from llvm-c/Core.h (and the small headers beside it). Mechanical: one line per C function,
// the C names kept, owned results returned as nint for the caller to wrap in its handle type.
public static unsafe partial class Llvm
{
    const string Lib = LibraryResolver.LogicalName;
    static Llvm() => LibraryResolver.Install();

    // --- contexts, modules, messages
    [LibraryImport(Lib)] public static partial nint LLVMContextCreate();
    [LibraryImport(Lib)] public static partial void LLVMContextDispose(nint c);
    [LibraryImport(Lib)] public static partial void LLVMDisposeMessage(nint msg);
    [LibraryImport(Lib)] public static partial void LLVMDisposeModule(nint m);
    [LibraryImport(Lib)] public static partial nint LLVMCloneModule(LlvmModuleHandle m);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial nint LLVMModuleCreateWithNameInContext(string name, ContextHandle c);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial void LLVMSetTarget(LlvmModuleHandle m, string triple);
    [LibraryImport(Lib)] public static partial nint LLVMGetTarget(LlvmModuleHandle m);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial void LLVMSetDataLayout(LlvmModuleHandle m, string layout);
    [LibraryImport(Lib)] public static partial nint LLVMGetDataLayoutStr(LlvmModuleHandle m);
    [LibraryImport(Lib)] public static partial nint LLVMPrintModuleToString(LlvmModuleHandle m);
    [LibraryImport(Lib)] public static partial nint LLVMPrintValueToString(LLVMValueRef v);
    [LibraryImport(Lib)] public static partial nint LLVMGetModuleContext(LlvmModuleHandle m);
    [LibraryImport(Lib)] public static partial nint LLVMGetModuleInlineAsm(LlvmModuleHandle m, out nuint len);
    [LibraryImport(Lib)] public static partial void LLVMAppendModuleInlineAsm(LlvmModuleHandle m, byte* asm, nuint len);
    [LibraryImport(Lib)] public static partial void LLVMSetModuleInlineAsm2(LlvmModuleHandle m, byte* asm, nuint len);
    /// <summary>llvm-c/Linker.h: links <paramref name="src"/> into <paramref name="dest"/> and destroys src, whether or
    /// not it succeeds (the caller marks its handle transferred). Returns nonzero on error.</summary>
    [LibraryImport(Lib)] public static partial int LLVMLinkModules2(LlvmModuleHandle dest, LlvmModuleHandle src);
    /// <summary>Without a handler, an LLVMContext prints an error diagnostic (a failed link, say) and calls exit(1).
    /// The handler gets an LLVMDiagnosticInfoRef and <paramref name="context"/>.</summary>
    [LibraryImport(Lib)] public static partial void LLVMContextSetDiagnosticHandler(ContextHandle c, delegate* unmanaged<nint, nint, void> handler, nint context);
    /// <summary>Owned: free with LLVMDisposeMessage.</summary>
    [LibraryImport(Lib)] public static partial nint LLVMGetDiagInfoDescription(nint info);
    [LibraryImport(Lib)] public static partial LLVMDiagnosticSeverity LLVMGetDiagInfoSeverity(nint info);

    // --- memory buffers, parsing, bitcode, verification
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial nint LLVMCreateMemoryBufferWithMemoryRangeCopy(byte* data, nuint length, string name);
    [LibraryImport(Lib)] public static partial void LLVMDisposeMemoryBuffer(nint buf);
    [LibraryImport(Lib)] public static partial nint LLVMGetBufferStart(MemoryBufferHandle buf);
    [LibraryImport(Lib)] public static partial nuint LLVMGetBufferSize(MemoryBufferHandle buf);
    [LibraryImport(Lib)] public static partial int LLVMParseIRInContext(ContextHandle c, MemoryBufferHandle buf, out nint module, out nint message);
    /// <summary>Reads bitcode lazily: module-level records now, each function body when it is materialized
    /// (LLVMRunFunctionPassManager). On success the module owns the buffer and reads from it until disposed;
    /// on failure the caller still owns it. Returns nonzero on error.</summary>
    [LibraryImport(Lib)] public static partial int LLVMGetBitcodeModuleInContext2(ContextHandle c, MemoryBufferHandle buf, out nint module);
    [LibraryImport(Lib)] public static partial nint LLVMWriteBitcodeToMemoryBuffer(LlvmModuleHandle m);
    [LibraryImport(Lib)] public static partial int LLVMVerifyModule(LlvmModuleHandle m, int action, out nint message);
    [LibraryImport(Lib)] public static partial int LLVMVerifyFunction(LLVMValueRef fn, int action);

    // --- the legacy function pass manager: used with no passes, only because running it on a function of a
    // lazily read module materializes that function's body (legacy::FunctionPassManager::run), which the C API
    // offers no other way to do
    [LibraryImport(Lib)] public static partial nint LLVMCreateFunctionPassManagerForModule(LlvmModuleHandle m);
    [LibraryImport(Lib)] public static partial int LLVMInitializeFunctionPassManager(nint fpm);
    [LibraryImport(Lib)] public static partial int LLVMRunFunctionPassManager(nint fpm, LLVMValueRef fn);
    [LibraryImport(Lib)] public static partial int LLVMFinalizeFunctionPassManager(nint fpm);
    [LibraryImport(Lib)] public static partial void LLVMDisposePassManager(nint pm);

    // --- types
    [LibraryImport(Lib)] public static partial LLVMTypeRef LLVMTypeOf(LLVMValueRef v);
    [LibraryImport(Lib)] public static partial LLVMTypeKind LLVMGetTypeKind(LLVMTypeRef t);
    [LibraryImport(Lib)] public static partial uint LLVMGetIntTypeWidth(LLVMTypeRef t);
    [LibraryImport(Lib)] public static partial LLVMTypeRef LLVMInt1TypeInContext(nint c);
    [LibraryImport(Lib)] public static partial LLVMTypeRef LLVMInt8TypeInContext(nint c);
    [LibraryImport(Lib)] public static partial LLVMTypeRef LLVMInt32TypeInContext(nint c);
    [LibraryImport(Lib)] public static partial LLVMTypeRef LLVMInt64TypeInContext(nint c);
    [LibraryImport(Lib)] public static partial LLVMTypeRef LLVMVoidTypeInContext(nint c);
    [LibraryImport(Lib)] public static partial LLVMTypeRef LLVMPointerTypeInContext(nint c, uint addressSpace);
    [LibraryImport(Lib)] public static partial LLVMTypeRef LLVMFunctionType(LLVMTypeRef ret, LLVMTypeRef* args, uint count, int isVarArg);
    [LibraryImport(Lib)] public static partial LLVMTypeRef LLVMArrayType2(LLVMTypeRef elem, ulong count);
    [LibraryImport(Lib)] public static partial LLVMTypeRef LLVMStructTypeInContext(nint c, LLVMTypeRef* elems, uint count, int packed);
    [LibraryImport(Lib)] public static partial LLVMTypeRef LLVMGetReturnType(LLVMTypeRef fnType);
    [LibraryImport(Lib)] public static partial uint LLVMCountParamTypes(LLVMTypeRef fnType);
    [LibraryImport(Lib)] public static partial void LLVMGetParamTypes(LLVMTypeRef fnType, LLVMTypeRef* dest);
    [LibraryImport(Lib)] public static partial int LLVMIsFunctionVarArg(LLVMTypeRef fnType);
    [LibraryImport(Lib)] public static partial nint LLVMPrintTypeToString(LLVMTypeRef t);
    [LibraryImport(Lib)] public static partial LLVMTypeRef LLVMGetElementType(LLVMTypeRef t);
    [LibraryImport(Lib)] public static partial ulong LLVMGetArrayLength2(LLVMTypeRef t);
    [LibraryImport(Lib)] public static partial uint LLVMCountStructElementTypes(LLVMTypeRef t);
    [LibraryImport(Lib)] public static partial void LLVMGetStructElementTypes(LLVMTypeRef t, LLVMTypeRef* dest);

    // --- values and globals
    [LibraryImport(Lib)] public static partial nint LLVMGetValueName2(LLVMValueRef v, out nuint length);
    [LibraryImport(Lib)] public static partial void LLVMSetValueName2(LLVMValueRef v, byte* name, nuint length);
    [LibraryImport(Lib)] public static partial void LLVMReplaceAllUsesWith(LLVMValueRef oldVal, LLVMValueRef newVal);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMGetFirstFunction(LlvmModuleHandle m);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMGetNextFunction(LLVMValueRef f);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMGetFirstGlobal(LlvmModuleHandle m);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMGetNextGlobal(LLVMValueRef g);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMGetFirstGlobalAlias(LlvmModuleHandle m);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMGetNextGlobalAlias(LLVMValueRef a);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMGetFirstGlobalIFunc(LlvmModuleHandle m);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMAliasGetAliasee(LLVMValueRef alias);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial LLVMValueRef LLVMAddAlias2(LlvmModuleHandle m, LLVMTypeRef valueType, uint addressSpace, LLVMValueRef aliasee, string name);
    [LibraryImport(Lib)] public static partial void LLVMAliasSetAliasee(LLVMValueRef alias, LLVMValueRef aliasee);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial LLVMValueRef LLVMGetNamedFunction(LlvmModuleHandle m, string name);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial LLVMValueRef LLVMGetNamedGlobal(LlvmModuleHandle m, string name);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial LLVMValueRef LLVMAddFunction(LlvmModuleHandle m, string name, LLVMTypeRef fnType);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial LLVMValueRef LLVMAddGlobal(LlvmModuleHandle m, LLVMTypeRef type, string name);
    [LibraryImport(Lib)] public static partial void LLVMDeleteFunction(LLVMValueRef f);
    [LibraryImport(Lib)] public static partial void LLVMDeleteGlobal(LLVMValueRef g);
    [LibraryImport(Lib)] public static partial int LLVMIsDeclaration(LLVMValueRef g);
    [LibraryImport(Lib)] public static partial LLVMLinkage LLVMGetLinkage(LLVMValueRef g);
    [LibraryImport(Lib)] public static partial void LLVMSetLinkage(LLVMValueRef g, LLVMLinkage l);
    [LibraryImport(Lib)] public static partial LLVMVisibility LLVMGetVisibility(LLVMValueRef g);
    [LibraryImport(Lib)] public static partial void LLVMSetVisibility(LLVMValueRef g, LLVMVisibility v);
    [LibraryImport(Lib)] public static partial LLVMUnnamedAddr LLVMGetUnnamedAddress(LLVMValueRef g);
    [LibraryImport(Lib)] public static partial void LLVMSetUnnamedAddress(LLVMValueRef g, LLVMUnnamedAddr u);
    [LibraryImport(Lib)] public static partial LLVMTypeRef LLVMGlobalGetValueType(LLVMValueRef g);
    [LibraryImport(Lib)] public static partial uint LLVMGetAlignment(LLVMValueRef v);
    [LibraryImport(Lib)] public static partial void LLVMSetAlignment(LLVMValueRef v, uint bytes);
    [LibraryImport(Lib)] public static partial nint LLVMGetSection(LLVMValueRef g);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial void LLVMSetSection(LLVMValueRef g, string section);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMGetInitializer(LLVMValueRef g);
    [LibraryImport(Lib)] public static partial void LLVMSetInitializer(LLVMValueRef g, LLVMValueRef init);
    [LibraryImport(Lib)] public static partial int LLVMIsThreadLocal(LLVMValueRef g);
    [LibraryImport(Lib)] public static partial void LLVMSetThreadLocal(LLVMValueRef g, int isTls);
    [LibraryImport(Lib)] public static partial int LLVMIsGlobalConstant(LLVMValueRef g);
    [LibraryImport(Lib)] public static partial void LLVMSetGlobalConstant(LLVMValueRef g, int isConst);
    [LibraryImport(Lib)] public static partial void LLVMSetExternallyInitialized(LLVMValueRef g, int v);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMGetGlobalParent(LLVMValueRef g);
    [LibraryImport(Lib)] public static partial nint LLVMGetComdat(LLVMValueRef g);
    [LibraryImport(Lib)] public static partial void LLVMSetComdat(LLVMValueRef g, nint comdat);

    // --- value classification (LLVMIsA* return the value or null)
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMIsAFunction(LLVMValueRef v);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMIsAGlobalVariable(LLVMValueRef v);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMIsAGlobalValue(LLVMValueRef v);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMIsAGlobalAlias(LLVMValueRef v);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMIsAInstruction(LLVMValueRef v);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMIsAConstant(LLVMValueRef v);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMIsABlockAddress(LLVMValueRef v);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMIsAConstantInt(LLVMValueRef v);

    // --- constants
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMConstInt(LLVMTypeRef t, ulong n, int signExtend);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMConstNull(LLVMTypeRef t);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMGetPoison(LLVMTypeRef t);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMConstArray2(LLVMTypeRef elem, LLVMValueRef* vals, ulong count);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMConstStructInContext(nint c, LLVMValueRef* vals, uint count, int packed);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMConstInBoundsGEP2(LLVMTypeRef t, LLVMValueRef ptr, LLVMValueRef* idx, uint count);
    [LibraryImport(Lib)] public static partial long LLVMConstIntGetSExtValue(LLVMValueRef v);
    [LibraryImport(Lib)] public static partial int LLVMIsNull(LLVMValueRef v);

    // --- users and operands
    [LibraryImport(Lib)] public static partial LLVMUseRef LLVMGetFirstUse(LLVMValueRef v);
    [LibraryImport(Lib)] public static partial LLVMUseRef LLVMGetNextUse(LLVMUseRef u);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMGetUser(LLVMUseRef u);
    [LibraryImport(Lib)] public static partial int LLVMGetNumOperands(LLVMValueRef v);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMGetOperand(LLVMValueRef v, uint index);
    [LibraryImport(Lib)] public static partial void LLVMSetOperand(LLVMValueRef v, uint index, LLVMValueRef op);

    // --- functions, blocks, instructions
    [LibraryImport(Lib)] public static partial uint LLVMCountParams(LLVMValueRef f);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMGetParam(LLVMValueRef f, uint index);
    [LibraryImport(Lib)] public static partial uint LLVMGetFunctionCallConv(LLVMValueRef f);
    [LibraryImport(Lib)] public static partial void LLVMSetFunctionCallConv(LLVMValueRef f, uint cc);
    [LibraryImport(Lib)] public static partial void LLVMSetInstructionCallConv(LLVMValueRef call, uint cc);
    [LibraryImport(Lib)] public static partial uint LLVMGetIntrinsicID(LLVMValueRef f);
    [LibraryImport(Lib)] public static partial LLVMBasicBlockRef LLVMGetFirstBasicBlock(LLVMValueRef f);
    [LibraryImport(Lib)] public static partial LLVMBasicBlockRef LLVMGetNextBasicBlock(LLVMBasicBlockRef bb);
    [LibraryImport(Lib)] public static partial LLVMBasicBlockRef LLVMGetEntryBasicBlock(LLVMValueRef f);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial LLVMBasicBlockRef LLVMAppendBasicBlockInContext(nint c, LLVMValueRef f, string name);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial LLVMBasicBlockRef LLVMInsertBasicBlockInContext(nint c, LLVMBasicBlockRef before, string name);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMGetFirstInstruction(LLVMBasicBlockRef bb);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMGetNextInstruction(LLVMValueRef i);
    [LibraryImport(Lib)] public static partial int LLVMGetInstructionOpcode(LLVMValueRef i);
    [LibraryImport(Lib)] public static partial LLVMBasicBlockRef LLVMGetInstructionParent(LLVMValueRef i);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMGetBasicBlockParent(LLVMBasicBlockRef bb);
    [LibraryImport(Lib)] public static partial void LLVMInstructionEraseFromParent(LLVMValueRef i);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMGetCalledValue(LLVMValueRef call);
    [LibraryImport(Lib)] public static partial LLVMTypeRef LLVMGetCalledFunctionType(LLVMValueRef call);
    [LibraryImport(Lib)] public static partial uint LLVMGetNumArgOperands(LLVMValueRef call);
    /// <summary>A function's DISubprogram (debug info), or 0; LLVMSetSubprogram with 0 removes it.</summary>
    [LibraryImport(Lib)] public static partial nint LLVMGetSubprogram(LLVMValueRef f);
    [LibraryImport(Lib)] public static partial void LLVMSetSubprogram(LLVMValueRef f, nint subprogram);
    /// <summary>A global's metadata attachments: a copy the caller frees with LLVMDisposeValueMetadataEntries.</summary>
    [LibraryImport(Lib)] public static partial nint LLVMGlobalCopyAllMetadata(LLVMValueRef global, out nuint count);
    [LibraryImport(Lib)] public static partial uint LLVMValueMetadataEntriesGetKind(nint entries, uint index);
    [LibraryImport(Lib)] public static partial nint LLVMValueMetadataEntriesGetMetadata(nint entries, uint index);
    [LibraryImport(Lib)] public static partial void LLVMDisposeValueMetadataEntries(nint entries);
    [LibraryImport(Lib)] public static partial void LLVMGlobalSetMetadata(LLVMValueRef global, uint kind, nint metadata);
    // Metadata on instructions (branch weights, Compilation.BranchProfile). Metadata is owned by its context.
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial uint LLVMGetMDKindIDInContext(nint c, string name, uint length);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial nint LLVMMDStringInContext2(nint c, string str, nuint length);
    [LibraryImport(Lib)] public static partial nint LLVMMDNodeInContext2(nint c, nint* mds, nuint count);
    [LibraryImport(Lib)] public static partial nint LLVMValueAsMetadata(LLVMValueRef v);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMMetadataAsValue(nint c, nint md);
    [LibraryImport(Lib)] public static partial void LLVMSetMetadata(LLVMValueRef instr, uint kind, LLVMValueRef node);
    [LibraryImport(Lib)] public static partial void LLVMSetTailCallKind(LLVMValueRef call, LLVMTailCallKind kind);
    [LibraryImport(Lib)] public static partial void LLVMInstructionRemoveFromParent(LLVMValueRef i);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMIsAAllocaInst(LLVMValueRef v);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMIsAPHINode(LLVMValueRef v);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMIsATerminatorInst(LLVMValueRef v);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMGetAggregateElement(LLVMValueRef c, uint idx);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMGetBasicBlockTerminator(LLVMBasicBlockRef bb);
    [LibraryImport(Lib)] public static partial uint LLVMGetNumSuccessors(LLVMValueRef term);
    [LibraryImport(Lib)] public static partial LLVMBasicBlockRef LLVMGetSuccessor(LLVMValueRef term, uint i);
    [LibraryImport(Lib)] public static partial void LLVMSetSuccessor(LLVMValueRef term, uint i, LLVMBasicBlockRef bb);
    [LibraryImport(Lib)] public static partial uint LLVMCountIncoming(LLVMValueRef phi);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMGetIncomingValue(LLVMValueRef phi, uint i);
    [LibraryImport(Lib)] public static partial LLVMBasicBlockRef LLVMGetIncomingBlock(LLVMValueRef phi, uint i);
    [LibraryImport(Lib)] public static partial LLVMTypeRef LLVMGetAllocatedType(LLVMValueRef alloca);
    [LibraryImport(Lib)] public static partial LLVMTailCallKind LLVMGetTailCallKind(LLVMValueRef call);
    [LibraryImport(Lib)] public static partial int LLVMHasPersonalityFn(LLVMValueRef fn);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMGetPersonalityFn(LLVMValueRef fn);
    [LibraryImport(Lib)] public static partial void LLVMSetPersonalityFn(LLVMValueRef fn, LLVMValueRef personality);
    [LibraryImport(Lib)] public static partial nint LLVMGetBasicBlockName(LLVMBasicBlockRef bb);
    [LibraryImport(Lib)] public static partial void LLVMRemoveBasicBlockFromParent(LLVMBasicBlockRef bb);
    [LibraryImport(Lib)] public static partial void LLVMAppendExistingBasicBlock(LLVMValueRef fn, LLVMBasicBlockRef bb);
    [LibraryImport(Lib)] public static partial void LLVMMoveBasicBlockBefore(LLVMBasicBlockRef bb, LLVMBasicBlockRef pos);

    // --- attributes
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial uint LLVMGetEnumAttributeKindForName(string name, nuint length);
    [LibraryImport(Lib)] public static partial uint LLVMGetAttributeCountAtIndex(LLVMValueRef f, uint idx);
    [LibraryImport(Lib)] public static partial void LLVMGetAttributesAtIndex(LLVMValueRef f, uint idx, LLVMAttributeRef* attrs);
    [LibraryImport(Lib)] public static partial void LLVMAddAttributeAtIndex(LLVMValueRef f, uint idx, LLVMAttributeRef a);
    [LibraryImport(Lib)] public static partial LLVMAttributeRef LLVMGetEnumAttributeAtIndex(LLVMValueRef f, uint idx, uint kind);
    [LibraryImport(Lib)] public static partial void LLVMRemoveEnumAttributeAtIndex(LLVMValueRef f, uint idx, uint kind);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial LLVMAttributeRef LLVMGetStringAttributeAtIndex(LLVMValueRef f, uint idx, string key, uint keyLen);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial void LLVMRemoveStringAttributeAtIndex(LLVMValueRef f, uint idx, string key, uint keyLen);
    [LibraryImport(Lib)] public static partial LLVMAttributeRef LLVMCreateEnumAttribute(nint c, uint kind, ulong val);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial LLVMAttributeRef LLVMCreateStringAttribute(nint c, string key, uint keyLen, string value, uint valueLen);
    [LibraryImport(Lib)] public static partial void LLVMAddCallSiteAttribute(LLVMValueRef call, uint idx, LLVMAttributeRef a);
    [LibraryImport(Lib)] public static partial int LLVMIsStringAttribute(LLVMAttributeRef a);
    [LibraryImport(Lib)] public static partial uint LLVMGetEnumAttributeKind(LLVMAttributeRef a);

    // --- builder
    [LibraryImport(Lib)] public static partial nint LLVMCreateBuilderInContext(nint c);
    [LibraryImport(Lib)] public static partial void LLVMDisposeBuilder(nint b);
    [LibraryImport(Lib)] public static partial void LLVMPositionBuilderAtEnd(BuilderHandle b, LLVMBasicBlockRef bb);
    [LibraryImport(Lib)] public static partial LLVMBasicBlockRef LLVMGetInsertBlock(BuilderHandle b);
    [LibraryImport(Lib)] public static partial void LLVMPositionBuilderBefore(BuilderHandle b, LLVMValueRef instr);
    [LibraryImport(Lib)] public static partial void LLVMInsertIntoBuilder(BuilderHandle b, LLVMValueRef instr);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMInstructionClone(LLVMValueRef instr);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial LLVMValueRef LLVMBuildPhi(BuilderHandle b, LLVMTypeRef t, string name);
    [LibraryImport(Lib)] public static partial void LLVMAddIncoming(LLVMValueRef phi, LLVMValueRef* values, LLVMBasicBlockRef* blocks, uint count);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial LLVMValueRef LLVMBuildLoad2(BuilderHandle b, LLVMTypeRef t, LLVMValueRef ptr, string name);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMBuildStore(BuilderHandle b, LLVMValueRef val, LLVMValueRef ptr);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial LLVMValueRef LLVMBuildAdd(BuilderHandle b, LLVMValueRef l, LLVMValueRef r, string name);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial LLVMValueRef LLVMBuildSub(BuilderHandle b, LLVMValueRef l, LLVMValueRef r, string name);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial LLVMValueRef LLVMBuildICmp(BuilderHandle b, LLVMIntPredicate p, LLVMValueRef l, LLVMValueRef r, string name);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial LLVMValueRef LLVMBuildFMul(BuilderHandle b, LLVMValueRef l, LLVMValueRef r, string name);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial LLVMValueRef LLVMBuildFAdd(BuilderHandle b, LLVMValueRef l, LLVMValueRef r, string name);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMBuildCondBr(BuilderHandle b, LLVMValueRef cond, LLVMBasicBlockRef then, LLVMBasicBlockRef els);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMBuildBr(BuilderHandle b, LLVMBasicBlockRef dest);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial LLVMValueRef LLVMBuildCall2(BuilderHandle b, LLVMTypeRef fnType, LLVMValueRef fn, LLVMValueRef* args, uint count, string name);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMBuildRet(BuilderHandle b, LLVMValueRef v);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMBuildRetVoid(BuilderHandle b);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial LLVMValueRef LLVMBuildInBoundsGEP2(BuilderHandle b, LLVMTypeRef t, LLVMValueRef ptr, LLVMValueRef* idx, uint count, string name);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMBuildUnreachable(BuilderHandle b);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMBuildSwitch(BuilderHandle b, LLVMValueRef v, LLVMBasicBlockRef otherwise, uint numCases);
    [LibraryImport(Lib)] public static partial void LLVMAddCase(LLVMValueRef sw, LLVMValueRef onVal, LLVMBasicBlockRef dest);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial LLVMValueRef LLVMBuildAlloca(BuilderHandle b, LLVMTypeRef t, string name);
    [LibraryImport(Lib)] public static partial LLVMValueRef LLVMBuildMemCpy(BuilderHandle b, LLVMValueRef dst, uint dstAlign, LLVMValueRef src, uint srcAlign, LLVMValueRef size);

    // --- error handling (llvm-c/Error.h, ErrorHandling.h, Support.h)
    [LibraryImport(Lib)] public static partial nint LLVMGetErrorMessage(nint err);
    [LibraryImport(Lib)] public static partial void LLVMDisposeErrorMessage(nint msg);
    [LibraryImport(Lib)] public static partial void LLVMConsumeError(nint err);
    [LibraryImport(Lib)] public static partial void LLVMInstallFatalErrorHandler(delegate* unmanaged<nint, void> handler);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial int LLVMLoadLibraryPermanently(string? fileName);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial nint LLVMSearchForAddressOfSymbol(string name);
    /// <summary>Sets LLVM's process-wide cl::opt options; argv[0] is a program name. An option LLVM does not know
    /// makes it print an error and exit the process: pass only options this LLVM has.</summary>
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial void LLVMParseCommandLineOptions(int argc, string[] argv, string? overview);
    [LibraryImport(Lib)] public static partial void LLVMGetVersion(out uint major, out uint minor, out uint patch);
}

// The error codes Basalt reports, numbered and named exactly as mongod's
// src/mongo/base/error_codes.yml names them. Codes that mongod raises from a
// bare assertion (e.g. 40571) have no entry; their codeName is "Location<code>".
#pragma once

#include <string>

namespace basalt {

#define BASALT_FOR_EACH_ERROR_CODE(X)             \
  X(OK, 0)                                        \
  X(InternalError, 1)                             \
  X(BadValue, 2)                                  \
  X(NoSuchKey, 4)                                 \
  X(UnknownError, 8)                              \
  X(FailedToParse, 9)                             \
  X(UserNotFound, 11)                             \
  X(UnsupportedFormat, 12)                        \
  X(Unauthorized, 13)                             \
  X(TypeMismatch, 14)                             \
  X(Overflow, 15)                                 \
  X(InvalidLength, 16)                            \
  X(ProtocolError, 17)                            \
  X(AuthenticationFailed, 18)                     \
  X(IllegalOperation, 20)                         \
  X(EmptyArrayOperation, 21)                      \
  X(InvalidBSON, 22)                              \
  X(NamespaceNotFound, 26)                        \
  X(IndexNotFound, 27)                            \
  X(PathNotViable, 28)                            \
  X(NonExistentPath, 29)                          \
  X(InvalidPath, 30)                              \
  X(RoleNotFound, 31)                             \
  X(CannotBackfillArray, 34)                      \
  X(ConflictingUpdateOperators, 40)               \
  X(CursorNotFound, 43)                           \
  X(NamespaceExists, 48)                          \
  X(MaxTimeMSExpired, 50)                         \
  X(DollarPrefixedFieldName, 52)                  \
  X(InvalidIdField, 53)                           \
  X(NotSingleValueField, 54)                      \
  X(InvalidDBRef, 55)                             \
  X(EmptyFieldName, 56)                           \
  X(DottedFieldName, 57)                          \
  X(CommandNotFound, 59)                          \
  X(ImmutableField, 66)                           \
  X(CannotCreateIndex, 67)                        \
  X(IndexAlreadyExists, 68)                       \
  X(InvalidOptions, 72)                           \
  X(InvalidNamespace, 73)                         \
  X(IndexOptionsConflict, 85)                     \
  X(IndexKeySpecsConflict, 86)                    \
  X(NetworkTimeout, 89)                           \
  X(ShutdownInProgress, 91)                       \
  X(OperationFailed, 96)                          \
  X(DBPathInUse, 98)                              \
  X(NoReplicationEnabled, 76)                     \
  X(NotExactValueField, 111)                      \
  X(UnknownReplWriteConcern, 79)                  \
  X(WriteConflict, 112)                           \
  X(CommandNotSupported, 115)                     \
  X(ConflictingOperationInProgress, 117)          \
  X(DocumentValidationFailure, 121)               \
  X(NotAReplicaSet, 123)                          \
  X(CommandFailed, 125)                           \
  X(CappedPositionLost, 136)                      \
  X(InvalidSSLConfiguration, 140)                 \
  X(CursorInUse, 143)                             \
  X(ExceededMemoryLimit, 146)                     \
  X(ZLibError, 147)                               \
  X(InvalidPipelineOperator, 168)                 \
  X(CannotIndexParallelArrays, 171)               \
  X(InvalidIndexSpecificationOption, 197)         \
  X(AmbiguousIndexKeyPattern, 181)                \
  X(NoSuchSession, 206)                           \
  X(InvalidUUID, 207)                             \
  X(IllegalOpMsgFlag, 223)                        \
  X(QueryFeatureNotAllowed, 224)                  \
  X(TooManyDocumentSequences, 233)                \
  X(CursorKilled, 237)                            \
  X(NotImplemented, 238)                          \
  X(ConversionFailure, 241)                       \
  X(CannotCreateCollection, 242)                  \
  X(NoSuchTransaction, 251)                       \
  X(ExceededTimeLimit, 262)                       \
  X(OperationNotSupportedInTransaction, 263)      \
  X(ClientDisconnect, 279)                        \
  X(ChecksumMismatch, 288)                        \
  X(QueryExceededMemoryLimitNoDiskUseAllowed, 292) \
  X(APIStrictError, 323)                          \
  X(APIDeprecationError, 324)                     \
  X(APIVersionError, 322)                         \
  X(UnsupportedOpQueryCommand, 352)               \
  X(NotWritablePrimary, 10107)                    \
  X(BSONObjectTooLarge, 10334)                    \
  X(DuplicateKey, 11000)                          \
  X(InterruptedAtShutdown, 11600)                 \
  X(Interrupted, 11601)                           \
  X(MergeStageNoMatchingDocument, 13113)          \
  X(OutOfDiskSpace, 14031)

namespace ErrorCodes {
enum Error : int {
#define BASALT_ERROR_ENUM(name, code) name = code,
  BASALT_FOR_EACH_ERROR_CODE(BASALT_ERROR_ENUM)
#undef BASALT_ERROR_ENUM
};

// mongod's codeName for `code`: the table's name, or "Location<code>".
std::string Name(int code);
}  // namespace ErrorCodes

}  // namespace basalt

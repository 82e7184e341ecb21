#include "base/error_codes.h"

namespace basalt::ErrorCodes {

std::string Name(int code) {
  switch (code) {
#define BASALT_ERROR_NAME(name, number) \
  case number:                          \
    return #name;
    BASALT_FOR_EACH_ERROR_CODE(BASALT_ERROR_NAME)
#undef BASALT_ERROR_NAME
  }
  return "Location" + std::to_string(code);
}

}  // namespace basalt::ErrorCodes

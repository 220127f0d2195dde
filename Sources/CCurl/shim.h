#ifndef CCURL_SHIM_H
#define CCURL_SHIM_H
#include <curl/curl.h>

/* curl_easy_setopt and curl_easy_getinfo are variadic, which Swift does not import:
   fixed-arity wrappers, one per argument type. */
static inline CURLcode zw_curl_set_long(CURL *curl, CURLoption option, long value) {
    return curl_easy_setopt(curl, option, value);
}
static inline CURLcode zw_curl_set_pointer(CURL *curl, CURLoption option, const void *value) {
    return curl_easy_setopt(curl, option, value);
}
static inline CURLcode zw_curl_set_offset(CURL *curl, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(curl, option, value);
}
typedef size_t (*zw_curl_data_callback)(char *data, size_t size, size_t count, void *context);
static inline CURLcode zw_curl_set_callback(CURL *curl, CURLoption option, zw_curl_data_callback callback) {
    return curl_easy_setopt(curl, option, callback);
}
static inline CURLcode zw_curl_response_code(CURL *curl, long *code) {
    return curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, code);
}
#endif

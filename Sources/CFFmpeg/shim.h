#ifndef SSMTL_CFFMPEG_SHIM_H
#define SSMTL_CFFMPEG_SHIM_H
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libswscale/swscale.h>
#include <libavutil/avutil.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/error.h>
#include <libavutil/md5.h>
#include <errno.h>

// Swift cannot import function-like macros; these wrap the ones the reader needs.
static inline int ssmtl_averror(int e) { return AVERROR(e); }
static inline int ssmtl_averror_eof(void) { return AVERROR_EOF; }
static inline int ssmtl_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int ssmtl_averror_decoder_not_found(void) { return AVERROR_DECODER_NOT_FOUND; }
static inline int64_t ssmtl_av_nopts_value(void) { return AV_NOPTS_VALUE; }
static inline int ssmtl_error_string(int code, char *buf, size_t size) { return av_strerror(code, buf, size); }
#endif

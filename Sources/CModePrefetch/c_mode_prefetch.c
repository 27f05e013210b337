// The prefetch hint is a static inline function of the header; SwiftPM needs one source file per C target.

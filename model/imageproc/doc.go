// Package imageproc turns image files into BridgeTower's pixel inputs exactly as Hugging Face's
// BridgeTowerImageProcessor does behind transformers' load_image, i.e. Pillow 9.4's
// `ImageOps.exif_transpose(Image.open(f)).convert("RGB")` followed by the processor.
//
// Pipeline (one file per step):
//
//	decode.go     header check (zero size, pixel limit against decompression bombs), then
//	              image/jpeg, image/png, image/gif (first frame), golang.org/x/image/webp
//	convert.go    Pillow's convert("RGB") for each mode: L replicated, 16-bit gray clipped to 255
//	              (Pillow mode I), 16-bit colour high byte, alpha dropped (no compositing),
//	              palette lookup, Pillow's CMYK formula
//	jpeg.go       libjpeg-turbo's fancy chroma upsampling and YCbCr→RGB tables on image/jpeg's planes
//	webp.go       libwebp's fancy upsampling and VP8 YUV→RGB on x/image/webp's planes
//	gif.go        Pillow's placement of the first frame on the screen and its real colour table
//	exif.go       EXIF Orientation (JPEG APP1, PNG eXIf, WebP EXIF) applied like exif_transpose
//	resample.go   Pillow's bicubic resampler (Resample.c), bit-exact
//	preprocess.go HF's resize rule, center crop with zero padding, rescale and normalise in
//	              float32, CHW, batch padding with pixel_mask
//	config.go     the options, from HF's preprocessor_config.json
//
// Exactness against Pillow 9.4 (tests: golden HF outputs and Pillow fixtures in testdata):
// PNG, GIF, WebP (lossless and lossy) decode bit-exactly and the whole pipeline then gives
// bit-exact pixel_values. Baseline and progressive JPEG differ only by image/jpeg's IDCT
// rounding (it is not libjpeg's jidctint): on the golden 4:2:0 photo max 3 / mean 0.023 levels
// after decoding and max 0.044 / mean 0.00034 in pixel_values (jpeg_test.go pins the bounds).
// Known differences on rare files: YCCK and Adobe-RGB JPEGs with subsampled chroma use Go's
// conversion; orientation stored only in XMP or in ImageMagick's "Raw profile type exif" PNG
// text chunk is not read; malformed EXIF is ignored where Pillow may raise.
package imageproc

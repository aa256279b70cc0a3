/** Model files on disk: safetensors (F32/F16/BF16) reading and writing, GPT-2 {@code config.json} and Hugging Face checkpoint layout. */
package io.cohort.format.checkpoint;

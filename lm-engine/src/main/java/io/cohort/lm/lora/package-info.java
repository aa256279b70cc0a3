/** LoRA adapters with PEFT semantics: trainable low-rank updates beside frozen base weights. */
package io.cohort.lm.lora;

"""Self-checks of the chapter "The cost of computing" (book/challenges/compute.ipynb)."""

from __future__ import annotations

from typing import Any

from companion.exercises.feedback import judge_number, near


def check_cmp_conv_flops(answer: Any) -> bool:
    """FLOPs per example of a Conv2D layer: 24 filters of 5 x 5 on a 32 x 32 x 8 input, "same" padding, bias.

    The answer counts a multiply-add as 2 FLOPs and each bias addition as 1.

    Examples
    --------
    >>> check_cmp_conv_flops(4800)
    Not yet: ...
    False
    """
    multiply_adds = 5 * 5 * 8 * 24 * 32 * 32
    bias = 24 * 32 * 32
    two_flops = "that counts multiply-adds; with this chapter's convention each one is 2 FLOPs."
    return judge_number(
        answer,
        right=near(2 * multiply_adds + bias),
        praise="the 4,824 weights are reused at each of the 1,024 positions: few parameters, many FLOPs.",
        not_a_number="give one whole number: the FLOPs for one example.",
        mistakes=[
            (near(multiply_adds), two_flops),
            (near(multiply_adds + bias), two_flops),
            (near(2 * multiply_adds), "almost: the bias adds one more FLOP for every output value "
             "(32 x 32 positions x 24 filters)."),
            (near(2 * 5 * 5 * 8 * 24 + 24), "that is the cost at one position; 'same' padding gives 32 x 32 "
             "output positions."),
        ],
        otherwise="each output value needs k_h x k_w x c_in multiply-adds; count the output values first.",
    )


def check_cmp_int8_bytes(answer: Any) -> bool:
    """Bytes of the weights of a Dense layer from 256 inputs to 64 units after Keras's int8 quantisation.

    The answer counts the bytes of the int8 kernel, the float32 bias and the float32 scale of each unit.

    Examples
    --------
    >>> check_cmp_int8_bytes(65792)
    Not yet: ...
    False
    """
    kernel, units = 256 * 64, 64
    return judge_number(
        answer,
        right=near(kernel + 4 * units + 4 * units),
        praise="16,384 bytes of int8 kernel plus 512 bytes of float32 bias and scales: almost 4 times smaller.",
        not_a_number="give one whole number of bytes.",
        mistakes=[
            (near(4 * (kernel + units)), "that is the float32 size; after quantisation each kernel value takes "
             "1 byte instead of 4."),
            (near(kernel), "the kernel is right; the bias stays float32, and each unit also keeps a float32 scale."),
            (near(kernel + 4 * units), "add the float32 scale that each of the 64 units keeps to undo the "
             "quantisation."),
        ],
        otherwise="1 byte per kernel value, 4 bytes per bias value and 4 bytes per unit for its scale.",
    )

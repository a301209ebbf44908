/*
 * hal/uart.c: the 16550 UART on COM1, 115200 8N1. Output is polled; input raises IRQ4 when a
 * byte arrives (so a waiting console wakes at once) and is read by polling.
 *
 * The FIFO control register is left as the loader set it: changing the FIFO enable bit
 * flushes the receive FIFO, which would drop console input that arrived during boot.
 */
#include "hal/hal.h"

#define COM1                0x3F8
#define UART_DATA           0       /* DLAB=0: receive/transmit holding */
#define UART_IER            1       /* DLAB=0: interrupt enable; DLAB=1: divisor high */
#define UART_LCR            3
#define UART_MCR            4
#define UART_LSR            5
#define UART_DLL            0       /* DLAB=1: divisor low */
#define UART_DLM            1

#define LCR_8N1             0x03
#define LCR_DLAB            0x80
#define MCR_DTR_RTS_OUT2    0x0B
#define LSR_DATA_READY      0x01
#define LSR_THR_EMPTY       0x20
#define IER_RECEIVE         0x01
#define UART_CLOCK          115200

#define SERIAL_BAUD         115200

void HalInitializeSerial(void)
{
    uint16_t divisor = UART_CLOCK / SERIAL_BAUD;

    WRITE_PORT_UCHAR(COM1 + UART_IER, 0);
    WRITE_PORT_UCHAR(COM1 + UART_LCR, LCR_DLAB);
    WRITE_PORT_UCHAR(COM1 + UART_DLL, divisor & 0xFF);
    WRITE_PORT_UCHAR(COM1 + UART_DLM, divisor >> 8);
    WRITE_PORT_UCHAR(COM1 + UART_LCR, LCR_8N1);
    WRITE_PORT_UCHAR(COM1 + UART_MCR, MCR_DTR_RTS_OUT2);
}

void HalSerialEnableReceiveInterrupt(void)
{
    WRITE_PORT_UCHAR(COM1 + UART_IER, IER_RECEIVE);
}

void HalSerialPutChar(char Character)
{
    while (!(READ_PORT_UCHAR(COM1 + UART_LSR) & LSR_THR_EMPTY))
        ;
    WRITE_PORT_UCHAR(COM1 + UART_DATA, (uint8_t)Character);
}

bool HalSerialGetChar(char *Character)
{
    if (!(READ_PORT_UCHAR(COM1 + UART_LSR) & LSR_DATA_READY))
        return false;
    *Character = (char)READ_PORT_UCHAR(COM1 + UART_DATA);
    return true;
}
